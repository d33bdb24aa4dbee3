//! Build script: tells rustc where libmeshpool is, and measures the C
//! structs of meshpool.h with the system C compiler so that src/ffi.rs can
//! check its hand-written mirrors against them at compile time.
//!
//! Where the library is found, in this order:
//!   1. `MESHPOOL_LIB_DIR` (absolute), which also gets an rpath, so the
//!      tests and examples of this crate run without `LD_LIBRARY_PATH`;
//!   2. `pkg-config --libs-only-L meshpool`, if pkg-config knows meshpool;
//!   3. the linker's default search path.
//!
//! Where meshpool.h is found: `MESHPOOL_INCLUDE_DIR`; else the header of the
//! source tree this crate sits in (`../../client`); else
//! `pkg-config --cflags-only-I meshpool`; else the compiler's default path.
//! The header the compiler actually included is the one that is parsed.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "MESHPOOL_LIB_DIR",
        "MESHPOOL_INCLUDE_DIR",
        "PKG_CONFIG_PATH",
        "CC",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    link();
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let includes = include_flags();
    let header = find_header(&out, &includes);
    println!("cargo:rerun-if-changed={}", header.display());
    let text = fs::read_to_string(&header)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", header.display()));
    let (structs, consts, functions) = parse_header(&text);
    let layout = measure(&out, &includes, &header, &structs, &consts, &functions);
    fs::write(out.join("c_layout.rs"), layout).expect("cannot write c_layout.rs");
}

/// Emits the link directives (see the top of this file for the order).
fn link() {
    println!("cargo:rustc-link-lib=meshpool");
    if let Some(dir) = env::var_os("MESHPOOL_LIB_DIR") {
        let dir = PathBuf::from(dir);
        // Cargo runs this script in the crate's folder, not the caller's:
        // a relative path would quietly mean something else.
        if !dir.is_absolute() {
            panic!(
                "MESHPOOL_LIB_DIR must be an absolute path, got {}",
                dir.display()
            );
        }
        if !dir.join("libmeshpool.so").exists() && !dir.join("libmeshpool.a").exists() {
            panic!(
                "MESHPOOL_LIB_DIR={} holds no libmeshpool.so or libmeshpool.a \
                 (in the source tree, run make first; the library is in .libs)",
                dir.display()
            );
        }
        let dir = dir.to_str().expect("MESHPOOL_LIB_DIR must be UTF-8");
        println!("cargo:rustc-link-search=native={dir}");
        // Applies to this crate's own tests, examples and benches only;
        // a program that depends on the crate sets its own (README).
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        // DEP_MESHPOOL_LIB_DIR for the build scripts of dependents.
        println!("cargo:lib_dir={dir}");
        return;
    }
    if let Some(flags) = pkg_config("--libs-only-L") {
        for dir in flags.iter().filter_map(|f| f.strip_prefix("-L")) {
            println!("cargo:rustc-link-search=native={dir}");
            println!("cargo:lib_dir={dir}");
        }
    }
    // Otherwise the default search path (an install in /usr or /usr/local).
}

/// `pkg-config FLAG meshpool` split into words, or None if pkg-config is
/// missing or does not know meshpool.
fn pkg_config(flag: &str) -> Option<Vec<String>> {
    let out = Command::new("pkg-config")
        .args([flag, "meshpool"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.split_whitespace().map(str::to_owned).collect())
}

/// The -I flags under which `#include <meshpool.h>` is looked for.
fn include_flags() -> Vec<String> {
    if let Some(dir) = env::var_os("MESHPOOL_INCLUDE_DIR") {
        return vec![format!("-I{}", Path::new(&dir).display())];
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let in_tree = manifest.join("../../client");
    if in_tree.join("meshpool.h").exists() {
        return vec![format!("-I{}", in_tree.display())];
    }
    pkg_config("--cflags-only-I").unwrap_or_default()
}

/// The C compiler: $CC (its first word is the program) or `cc`.
fn compiler() -> (String, Vec<String>) {
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let mut words = cc.split_whitespace().map(str::to_owned);
    let prog = words.next().unwrap_or_else(|| "cc".to_owned());
    (prog, words.collect())
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", cmd.get_program()));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).expect("compiler output is UTF-8")
}

/// Asks the compiler which meshpool.h `#include <meshpool.h>` picks up.
fn find_header(out: &Path, includes: &[String]) -> PathBuf {
    let src = out.join("find_header.c");
    fs::write(&src, "#include <meshpool.h>\n").expect("cannot write find_header.c");
    let (cc, cc_args) = compiler();
    let deps = run(
        Command::new(&cc)
            .args(&cc_args)
            .args(includes)
            .arg("-M")
            .arg(&src),
        "finding meshpool.h (set MESHPOOL_INCLUDE_DIR to the folder holding it)",
    );
    deps.replace("\\\n", " ")
        .split_whitespace()
        .find(|w| w.ends_with("/meshpool.h") || *w == "meshpool.h")
        .map(PathBuf::from)
        .expect("the compiler included no meshpool.h")
}

type Structs = Vec<(String, Vec<String>)>;

/// The fields of every `typedef struct NAME { ... } NAME;` in the header,
/// the names of its `MP_` constants (enumerators and object-like macros)
/// and of its functions (`mp_` names followed by a parenthesis).
/// meshpool.h is plain enough for a scan; a construct this does not
/// understand shows up as a missing or extra name in the tests.
fn parse_header(text: &str) -> (Structs, Vec<String>, Vec<String>) {
    let text = strip_comments(text);
    let mut structs = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("typedef struct ") {
        rest = &rest[at + "typedef struct ".len()..];
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        let after = rest[name.len()..].trim_start();
        // `typedef struct mp_client mp_client;` is opaque: nothing to mirror.
        let Some(body) = after.strip_prefix('{') else {
            continue;
        };
        let end = body.find('}').expect("unterminated struct in meshpool.h");
        let fields = body[..end]
            .split(';')
            .flat_map(|decl| decl.split(',').map(last_ident).collect::<Vec<_>>())
            .flatten()
            .collect();
        structs.push((name, fields));
        rest = &body[end..];
    }

    let mut consts = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(def) = line.strip_prefix("#define ") {
            let name: String = def.chars().take_while(|c| is_ident(*c)).collect();
            let function_like = def[name.len()..].starts_with('(');
            if name.starts_with("MP_") && !function_like {
                consts.push(name);
            }
        }
    }
    for piece in text.split(['{', ',', '}']) {
        let piece = piece.trim();
        if let Some((name, value)) = piece.split_once('=') {
            let name = name.trim();
            if name.starts_with("MP_") && name.chars().all(is_ident) && !value.starts_with('=') {
                consts.push(name.to_owned());
            }
        }
    }
    let mut functions: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("mp_") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at..];
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        rest = &rest[name.len()..];
        if before.is_some_and(is_ident) {
            continue; // the middle of another name
        }
        if rest.trim_start().starts_with('(') && !functions.contains(&name) {
            functions.push(name);
        }
    }
    (structs, consts, functions)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The declared name in one declarator: `const float *positions` ->
/// positions, `aabb_min[3]` -> aabb_min, ` *normals` -> normals.
fn last_ident(decl: &str) -> Option<String> {
    let decl = match decl.find('[') {
        Some(i) => &decl[..i],
        None => decl,
    };
    decl.split(|c: char| !is_ident(c))
        .rfind(|w| !w.is_empty())
        .map(str::to_owned)
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.map_or(true, |l| b < l) => {
                out.push_str(&rest[..b]);
                let end = rest[b..].find("*/").expect("unterminated comment") + b + 2;
                out.push(' ');
                rest = &rest[end..];
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |e| &rest[l + e..]);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// Compiles and runs a program that prints, as Rust source, the size and
/// alignment of every struct, the offset and size of every field, and the
/// value of every constant, as this C compiler lays them out.
fn measure(
    out: &Path,
    includes: &[String],
    header: &Path,
    structs: &Structs,
    consts: &[String],
    functions: &[String],
) -> String {
    let mut c = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include <meshpool.h>\n\nint\nmain(void)\n{\n",
    );
    for (name, fields) in structs {
        writeln!(c, "\tprintf(\"pub mod {name} {{\\n\");").unwrap();
        writeln!(
            c,
            "\tprintf(\"    pub const SIZE: usize = %zu;\\n    pub const ALIGN: usize = %zu;\\n\", \
             sizeof({name}), _Alignof({name}));"
        )
        .unwrap();
        for f in fields {
            writeln!(
                c,
                "\tprintf(\"    pub const {f}: (usize, usize) = (%zu, %zu);\\n\", \
                 offsetof({name}, {f}), sizeof((({name} *)0)->{f}));"
            )
            .unwrap();
        }
        writeln!(c, "\tprintf(\"}}\\n\");").unwrap();
    }
    // As f64, which holds every constant of the header exactly (integers
    // well below 2^53, and MP_BRUSH_REACH, a float); "%.17g" may print no
    // decimal point, hence the suffix ("2_f64", "-1_f64", "1e+20_f64").
    for k in consts {
        writeln!(
            c,
            "\tprintf(\"pub const {k}: f64 = %.17g_f64;\\n\", (double)({k}));"
        )
        .unwrap();
    }
    c.push_str("\treturn 0;\n}\n");
    let src = out.join("layout.c");
    let exe = out.join("layout");
    fs::write(&src, c).expect("cannot write layout.c");

    let (cc, cc_args) = compiler();
    run(
        Command::new(&cc)
            .args(&cc_args)
            .args(["-std=c11", "-Wall", "-Werror"])
            .args(includes)
            .arg(&src)
            .arg("-o")
            .arg(&exe),
        "compiling the layout probe of meshpool.h",
    );
    let printed = run(&mut Command::new(&exe), "running the layout probe");

    let mut rs = format!(
        "// Generated by build.rs from {} by the system C compiler.\n",
        header.display()
    );
    rs.push_str(&printed);
    rs.push_str("\n/// Every field of every struct in meshpool.h, in order.\n");
    rs.push_str("pub const FIELDS: &[(&str, &str)] = &[\n");
    for (name, fields) in structs {
        for f in fields {
            writeln!(rs, "    (\"{name}\", \"{f}\"),").unwrap();
        }
    }
    rs.push_str("];\n/// Every MP_ constant in meshpool.h.\npub const CONSTS: &[&str] = &[\n");
    for k in consts {
        writeln!(rs, "    \"{k}\",").unwrap();
    }
    rs.push_str("];\n/// Every function meshpool.h declares.\npub const FUNCTIONS: &[&str] = &[\n");
    for f in functions {
        writeln!(rs, "    \"{f}\",").unwrap();
    }
    rs.push_str("];\n");
    rs
}
