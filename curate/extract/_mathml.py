"""Presentation MathML to LaTeX.

Used when a ``<math>`` element carries neither a TeX annotation nor ``alttext``
(bare MathML, MathJax 3 assistive MathML). Covers the presentation elements that
occur on real pages; unknown elements fall back to their children, so text is
never lost. Works on lxml elements with or without the MathML namespace.
"""

from __future__ import annotations

_SYMBOLS = {
    # Greek
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon", "ϵ": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma",
    "ς": r"\varsigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi", "ϕ": r"\phi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda",
    "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    # operators and relations
    "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "∬": r"\iint", "∮": r"\oint", "√": r"\sqrt{}",
    "×": r"\times", "÷": r"\div", "·": r"\cdot", "⋅": r"\cdot", "∘": r"\circ", "±": r"\pm", "∓": r"\mp",
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim",
    "≃": r"\simeq", "∝": r"\propto", "≪": r"\ll", "≫": r"\gg", "∈": r"\in", "∉": r"\notin",
    "∋": r"\ni", "⊂": r"\subset", "⊆": r"\subseteq", "⊃": r"\supset", "⊇": r"\supseteq",
    "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset", "∞": r"\infty", "∂": r"\partial", "∇": r"\nabla",
    "∀": r"\forall", "∃": r"\exists", "¬": r"\neg", "∧": r"\wedge", "∨": r"\vee", "→": r"\to",
    "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "…": r"\ldots", "⋯": r"\cdots", "⋮": r"\vdots",
    "⋱": r"\ddots", "′": "'", "″": "''", "∥": r"\parallel", "⊥": r"\perp", "⊗": r"\otimes",
    "⊕": r"\oplus", "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}",
    "ℂ": r"\mathbb{C}", "ℓ": r"\ell", "ℏ": r"\hbar", "⟨": r"\langle", "⟩": r"\rangle",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "−": "-", "∗": "*",
    "\u2061": "", "\u2062": "", "\u2063": "", "\u2064": "", "{": r"\{", "}": r"\}",
    "%": r"\%", "#": r"\#", "&": r"\&",
}
_FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "lim", "max", "min",
              "sup", "inf", "det", "dim", "ker", "deg", "gcd", "arg", "sinh", "cosh", "tanh",
              "arcsin", "arccos", "arctan", "Pr", "liminf", "limsup"}
_ACCENTS = {"^": r"\hat", "ˆ": r"\hat", "¯": r"\overline", "‾": r"\overline", "→": r"\vec",
            "⃗": r"\vec", "~": r"\tilde", "˜": r"\tilde", "˙": r"\dot", "¨": r"\ddot", "⏞": r"\overbrace",
            "_": r"\underline", "⏟": r"\underbrace"}
_BIG_OPS = {"∑", "∏", "∫", "∬", "∮", "⋃", "⋂", "lim", "max", "min", "sup", "inf"}


def _tag(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _sym(text: str) -> str:
    out = []
    for ch in text:
        tex = _SYMBOLS.get(ch, ch)
        out.append(tex + " " if tex.startswith("\\") and tex[-1].isalpha() else tex)
    return "".join(out).strip()


def _group(tex: str) -> str:
    return tex if len(tex) == 1 else "{" + tex + "}"


def _kids(el) -> list:
    return [c for c in el if isinstance(c.tag, str)]


def _row(children) -> str:
    parts = [convert(c) for c in children]
    out = ""
    for part in parts:
        if not part:
            continue
        # keep commands from fusing with following letters: "\alpha x", not "\alphax"
        if out and out[-1].isalpha() and part[0].isalpha() and "\\" in out.rsplit(" ", 1)[-1]:
            out += " "
        out += part
    return out


def convert(el) -> str:
    """LaTeX for one MathML element (recursively)."""
    tag = _tag(el)
    kids = _kids(el)
    text = (el.text or "").strip()
    if tag in ("mi", "mn"):
        if tag == "mi" and len(text) > 1:
            return "\\" + text + " " if text in _FUNCTIONS else r"\mathrm{" + text + "}"
        if tag == "mi" and el.get("mathvariant") == "bold":
            return r"\mathbf{" + _sym(text) + "}"
        return _sym(text)
    if tag == "mo":
        if text in _FUNCTIONS:
            return "\\" + text + " "
        return _sym(text)
    if tag == "mtext":
        return r"\text{" + text + "}" if text else ""
    if tag == "ms":
        return r'\text{"' + text + '"}'
    if tag == "mspace":
        return r"\,"
    if tag == "annotation" or tag == "annotation-xml":
        return ""
    if tag == "semantics":
        return convert(kids[0]) if kids else ""
    if tag == "mfrac" and len(kids) == 2:
        if el.get("linethickness") in ("0", "0px"):
            return r"\binom{" + convert(kids[0]) + "}{" + convert(kids[1]) + "}"
        return r"\frac{" + convert(kids[0]) + "}{" + convert(kids[1]) + "}"
    if tag == "msqrt":
        return r"\sqrt{" + _row(kids) + "}"
    if tag == "mroot" and len(kids) == 2:
        return r"\sqrt[" + convert(kids[1]) + "]{" + convert(kids[0]) + "}"
    if tag == "msup" and len(kids) == 2:
        return _group(convert(kids[0])) + "^" + _group(convert(kids[1]))
    if tag == "msub" and len(kids) == 2:
        return _group(convert(kids[0])) + "_" + _group(convert(kids[1]))
    if tag == "msubsup" and len(kids) == 3:
        return _group(convert(kids[0])) + "_" + _group(convert(kids[1])) + "^" + _group(convert(kids[2]))
    if tag in ("mover", "munder") and len(kids) == 2:
        base, mark = kids
        mark_text = (mark.text or "").strip()
        if _tag(mark) == "mo" and mark_text in _ACCENTS:
            return _ACCENTS[mark_text] + "{" + convert(base) + "}"
        if (base.text or "").strip() in _BIG_OPS:
            return convert(base) + ("^" if tag == "mover" else "_") + _group(convert(mark))
        cmd = r"\overset" if tag == "mover" else r"\underset"
        return cmd + "{" + convert(mark) + "}{" + convert(base) + "}"
    if tag == "munderover" and len(kids) == 3:
        return convert(kids[0]) + "_" + _group(convert(kids[1])) + "^" + _group(convert(kids[2]))
    if tag == "mfenced":
        open_, close = el.get("open", "("), el.get("close", ")")
        sep = el.get("separators", ",").strip() or ","
        inner = sep[0].join(convert(k) for k in kids)
        return r"\left" + (_sym(open_) or ".") + inner + r"\right" + (_sym(close) or ".")
    if tag == "mtable":
        rows = [" & ".join(convert(cell) for cell in _kids(row)) for row in kids]
        return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"
    if tag in ("mtr", "mlabeledtr"):
        return " & ".join(convert(cell) for cell in kids)
    if tag == "mphantom":
        return ""
    # math, mrow, mstyle, mpadded, menclose, merror, mtd, unknown: children in order
    inner = _row(kids)
    if not kids and text:
        inner = _sym(text)
    return inner


def mathml_to_latex(math_el) -> str:
    """LaTeX for a ``<math>`` element, whitespace-normalised."""
    return " ".join(convert(math_el).split())
