from lxml import etree

import pytest

from curate.extract import mathml_to_latex

NS = 'xmlns="http://www.w3.org/1998/Math/MathML"'


@pytest.mark.parametrize("mathml,tex", [
    ("<mfrac><mrow><mi>a</mi><mo>+</mo><mn>1</mn></mrow><msqrt><mi>b</mi></msqrt></mfrac>", "\\frac{a+1}{\\sqrt{b}}"),
    ("<munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover><msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>",
     "\\sum_{i=1}^n x_i^2"),
    ("<mover><mi>v</mi><mo>→</mo></mover><mo>=</mo><mi>sin</mi><mi>θ</mi>", "\\vec{v}=\\sin \\theta"),
    ("<mroot><mi>x</mi><mn>3</mn></mroot><mo>≤</mo><mi>∞</mi>", "\\sqrt[3]{x}\\leq\\infty"),
    ("<mfenced><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>0</mn></mtd></mtr><mtr><mtd><mn>0</mn></mtd><mtd><mn>1</mn></mtd></mtr></mtable></mfenced>",
     "\\left(\\begin{matrix}1 & 0 \\\\ 0 & 1\\end{matrix}\\right)"),
    ("<mi>f</mi><mo>(</mo><mi>x</mi><mo>)</mo><mtext>for all</mtext><mi>x</mi><mo>∈</mo><mi>ℝ</mi>",
     "f(x)\\text{for all}x\\in\\mathbb{R}"),
])
def test_presentation_mathml(mathml, tex):
    assert mathml_to_latex(etree.fromstring(f"<math {NS}>{mathml}</math>")) == tex
