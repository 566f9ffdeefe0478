"""Hand-written repositories: every import form of every language we resolve."""

from curate.code import dependencies


def deps_of(files):
    return {k: sorted(v) for k, v in dependencies(files).items() if v}


def test_python_import_forms():
    files = {
        "src/pkg/__init__.py": "from .core import run\n",
        "src/pkg/core.py": "import os\nimport pkg.util as u\nfrom pkg import helpers\n",
        "src/pkg/util.py": "def f(): pass\n",
        "src/pkg/helpers.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .models import M\n",
        "src/pkg/models.py": "def g():\n    from pkg.sub.deep import thing\n    return thing\n",
        "src/pkg/sub/__init__.py": "",
        "src/pkg/sub/deep.py": "from .. import util\nfrom ..core import (\n    run,  # comment\n    other,\n)\n",
        "src/pkg/sub/star.py": "from ..helpers import *\nimport requests, pkg.models\n",
        "tests/test_core.py": "import pkg\nfrom pkg.core import run\n",
        "setup.py": "import setuptools\n",
    }
    d = deps_of(files)
    assert d["src/pkg/__init__.py"] == ["src/pkg/core.py"]
    assert d["src/pkg/core.py"] == ["src/pkg/helpers.py", "src/pkg/util.py"]      # absolute, `as`, from-package
    assert d["src/pkg/helpers.py"] == ["src/pkg/models.py"]                        # TYPE_CHECKING, relative
    assert d["src/pkg/models.py"] == ["src/pkg/sub/deep.py"]                       # inside a function
    assert d["src/pkg/sub/deep.py"] == ["src/pkg/core.py", "src/pkg/util.py"]      # .. and multi-line
    assert d["src/pkg/sub/star.py"] == ["src/pkg/helpers.py", "src/pkg/models.py"]
    assert d["tests/test_core.py"] == ["src/pkg/__init__.py", "src/pkg/core.py"]  # src/ layout
    assert "setup.py" not in d                                                     # external only


def test_java_import_forms():
    files = {
        "src/main/java/com/acme/app/Main.java":
            "package com.acme.app;\nimport com.acme.util.Strings;\nimport com.acme.model.*;\n"
            "import static com.acme.util.Maths.square;\nimport java.util.List;\n"
            "class Main { Helper h; /* Unused */ }\n",
        "src/main/java/com/acme/app/Helper.java": "package com.acme.app;\nclass Helper {}\n",
        "src/main/java/com/acme/app/Unused.java": "package com.acme.app;\nclass Unused {}\n",
        "src/main/java/com/acme/util/Strings.java": "package com.acme.util;\npublic class Strings {}\n",
        "src/main/java/com/acme/util/Maths.java": "package com.acme.util;\npublic class Maths {}\n",
        "src/main/java/com/acme/model/User.java": "package com.acme.model;\npublic class User {}\n",
        "src/main/java/com/acme/model/Group.java":
            "package com.acme.model;\nimport com.acme.model.User.Builder;\npublic class Group {}\n",
    }
    d = deps_of(files)
    base = "src/main/java/com/acme/"
    assert d[base + "app/Main.java"] == sorted([base + "app/Helper.java", base + "util/Strings.java",
                                                base + "util/Maths.java", base + "model/User.java",
                                                base + "model/Group.java"])
    assert d[base + "model/Group.java"] == [base + "model/User.java"]              # nested class import


def test_c_and_cpp_includes():
    files = {
        "src/main.c": '#include <stdio.h>\n#include "util.h"\n#include "../include/api.h"\n#include <lib/z.h>\n',
        "src/util.h": "#pragma once\n",
        "include/api.h": '#include "lib/z.h"\n',
        "include/lib/z.h": "int z;\n",
        "engine/render.cpp": '#include "render.hpp"\n#  include "lib/z.h"\n',
        "engine/render.hpp": "class R {};\n",
    }
    d = deps_of(files)
    assert d["src/main.c"] == ["include/api.h", "include/lib/z.h", "src/util.h"]
    assert d["include/api.h"] == ["include/lib/z.h"]                  # relative to an include folder
    assert d["engine/render.cpp"] == ["engine/render.hpp", "include/lib/z.h"]


def test_csharp_using_namespaces():
    files = {
        "App/Program.cs": "using System;\nusing Acme.Models;\nusing static Acme.Util.Maths;\n"
                          "using Alias = Acme.Data.Store;\nnamespace Acme.App { class Program { Settings s; } }\n",
        "App/Settings.cs": "namespace Acme.App;\nclass Settings {}\n",
        "Models/User.cs": "namespace Acme.Models { public class User {} }\n",
        "Models/Group.cs": "namespace Acme.Models { public class Group {} }\n",
        "Util/Maths.cs": "namespace Acme.Util { public static class Maths {} }\n",
        "Data/Store.cs": "namespace Acme.Data { public class Store {} }\n",
    }
    d = deps_of(files)
    assert d["App/Program.cs"] == ["App/Settings.cs", "Data/Store.cs", "Models/Group.cs", "Models/User.cs",
                                   "Util/Maths.cs"]


def test_javascript_and_typescript_specifiers():
    files = {
        "src/app.ts": "import x from './a';\nimport { y } from '../lib/b.js';\nexport * from './c';\n"
                      "import type { T } from './types';\nimport React from 'react';\nimport './side-effect';\n",
        "src/a.ts": "export default 1;\n",
        "lib/b.ts": "export const y = 2;\n",
        "src/c.tsx": "export const c = 3;\n",
        "src/types.d.ts": "export type T = number;\n",
        "src/side-effect.js": "const d = require('./d');\nconst e = import('./utils');\n",
        "src/d.cjs": "module.exports = 4;\n",
        "src/utils/index.js": "export const u = 5;\n",
    }
    d = deps_of(files)
    assert d["src/app.ts"] == ["lib/b.ts", "src/a.ts", "src/c.tsx", "src/side-effect.js", "src/types.d.ts"]
    assert d["src/side-effect.js"] == ["src/d.cjs", "src/utils/index.js"]


def test_go_module_packages():
    files = {
        "go.mod": "module example.com/shop\n\ngo 1.22\n",
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\tcart "example.com/shop/internal/cart"\n)\n',
        "internal/cart/cart.go": 'package cart\nimport "example.com/shop/pkg/money"\n',
        "internal/cart/items.go": "package cart\n",
        "internal/cart/cart_test.go": 'package cart\nimport "testing"\n',
        "pkg/money/money.go": "package money\n",
    }
    d = deps_of(files)
    assert d["main.go"] == ["internal/cart/cart.go", "internal/cart/items.go"]
    assert d["internal/cart/cart.go"] == ["pkg/money/money.go"]


def test_rust_mod_and_use():
    files = {
        "src/lib.rs": "pub mod net;\nmod util;\nuse crate::net::http::Client;\n",
        "src/net/mod.rs": "pub mod http;\nuse super::util::helper;\n",
        "src/net/http.rs": "use self::inner::X;\nuse crate::{util, net::tcp::Stream};\nmod inner;\n",
        "src/net/http/inner.rs": "pub struct X;\n",
        "src/net/tcp.rs": "pub struct Stream;\n",
        "src/util.rs": "pub fn helper() {}\nuse std::io;\n",
    }
    d = deps_of(files)
    assert d["src/lib.rs"] == ["src/net/http.rs", "src/net/mod.rs", "src/util.rs"]
    assert d["src/net/mod.rs"] == ["src/net/http.rs", "src/util.rs"]
    assert d["src/net/http.rs"] == ["src/net/http/inner.rs", "src/net/tcp.rs", "src/util.rs"]


def test_rust_reexports_path_attribute_and_workspace_crates():
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["core", "cli"]\n',
        "core/Cargo.toml": '[package]\nname = "demo-core"\nversion = "0.1.0"\n',
        "core/src/lib.rs": "mod error;\npub use error::Error;\n#[path = \"sys/unix.rs\"]\nmod platform;\n",
        "core/src/error.rs": "pub struct Error;\n",
        "core/src/sys/unix.rs": "pub fn page_size() -> usize { 4096 }\n",
        "core/src/parse.rs": "use crate::Error;\n",
        "cli/Cargo.toml": '[package]\nname = "demo-cli"\n[dependencies]\ndemo-core = { path = "../core" }\n',
        "cli/src/main.rs": "use demo_core::Error;\nmod args;\n",
        "cli/src/args.rs": "use demo_core::{self, Error};\n",
    }
    d = deps_of(files)
    assert d["core/src/lib.rs"] == ["core/src/error.rs", "core/src/sys/unix.rs"]     # mod, #[path] mod
    assert d["core/src/parse.rs"] == ["core/src/error.rs"]          # crate::Error is error.rs's, re-exported
    assert d["cli/src/main.rs"] == ["cli/src/args.rs", "core/src/error.rs"]         # the workspace crate by name
    assert "core/src/lib.rs" in d["cli/src/args.rs"] or "core/src/error.rs" in d["cli/src/args.rs"]


def test_c_include_directories_inferred_from_the_tree():
    files = {
        "include/mylib/api.h": "#include <mylib/types.h>\n",
        "include/mylib/types.h": "typedef int t;\n",
        "src/api.c": '#include "mylib/api.h"\n#include "internal.h"\n#include <stdio.h>\n',
        "src/internal.h": "int helper(void);\n",
        "tests/test_api.c": "#include <mylib/api.h>\n",
    }
    d = deps_of(files)
    assert d["include/mylib/api.h"] == ["include/mylib/types.h"]
    assert d["src/api.c"] == ["include/mylib/api.h", "src/internal.h"]
    assert d["tests/test_api.c"] == ["include/mylib/api.h"]
