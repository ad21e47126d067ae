//! The module graph of `src/`: no import cycle, and the layers point one way.
//!
//! Every `crate::…`, `super::…`, `self::…` path (in `use` trees too) and every bare path into a
//! child module (`backend::Backend` in `server/mod.rs`) is an edge from the file's module to the
//! module it names, tests included. Nodes are the top-level modules, and the submodules of the
//! front ends (`cli::verify`, `server::backend`, …; their `mod.rs` is the node `cli`/`server`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Front ends whose submodules are nodes of their own.
const SPLIT: [&str; 2] = ["cli", "server"];

/// The layers, lowest first: a module may name modules of its own layer or lower ones only.
const LAYERS: [(&str, &[&str]); 10] = [
    ("foundation", &["jcs", "html", "private_fs"]),
    ("model", &["model", "keys", "request", "roster"]),
    ("proofs", &["proof", "rdfc", "signer", "trust"]),
    ("verification", &["verify"]),
    ("forms", &["token", "qr", "vcdm", "input", "pdf"]),
    ("issuer", &["issuer", "authority"]),
    ("status", &["status", "reporting"]),
    ("registry", &["registry", "printing", "register"]),
    ("server", &["server"]),
    ("cli", &["cli"]),
];

/// Modules of the core library: they build without any feature, so they never name these.
const FRONT: [&str; 6] = ["registry", "register", "pdf", "printing", "server", "cli"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Sym(char),
}

/// Tokens of Rust source, with comments, strings and char literals dropped; each with its line.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    let skip_to = |i: usize, line: &mut usize, end: usize| {
        *line += c[i..end.min(c.len())]
            .iter()
            .filter(|&&x| x == '\n')
            .count();
        end.min(c.len())
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < c.len() && depth > 0 {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 1;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 1;
                }
                j += 1;
            }
            i = skip_to(i, &mut line, j);
        } else if ch == 'r' && matches!(next, Some('"') | Some('#')) && raw_string(&c, i).is_some()
        {
            let end = raw_string(&c, i).expect("checked");
            i = skip_to(i, &mut line, end);
        } else if ch == 'b' && next == Some('r') && raw_string(&c, i + 1).is_some() {
            let end = raw_string(&c, i + 1).expect("checked");
            i = skip_to(i, &mut line, end);
        } else if ch == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            i = skip_to(i, &mut line, j + 1);
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), else a lifetime or label.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let mut j = i;
            while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
                j += 1;
            }
            out.push((Tok::Ident(c[i..j].iter().collect()), line));
            i = j;
        } else if ch == ':' && next == Some(':') {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            if !ch.is_whitespace() {
                out.push((Tok::Sym(ch), line));
            }
            i += 1;
        }
    }
    out
}

/// The end of a raw string literal starting at `i` (`r"…"`, `r#"…"#`), if one starts there.
fn raw_string(c: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    let hashes = j - i - 1;
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

/// Every path of a `use` tree or expression starting at `toks[i]` (an identifier), each as its
/// segments, stopping at the first segment that is not a plain name.
fn paths(toks: &[(Tok, usize)], mut i: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut segs = prefix;
    loop {
        match toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                i += 1;
            }
            Some(Tok::Sym('{')) => {
                let mut all = Vec::new();
                i += 1;
                while let Some(t) = toks.get(i) {
                    match t.0 {
                        Tok::Sym('}') => return (all, i + 1),
                        Tok::Sym(',') => i += 1,
                        Tok::Sym('*') => {
                            all.push(segs.clone());
                            i += 1;
                        }
                        _ => {
                            let (sub, j) = paths(toks, i, segs.clone());
                            all.extend(sub);
                            // Skip `as name` and anything else up to the item's end.
                            i = j;
                            while let Some(t) = toks.get(i) {
                                if matches!(t.0, Tok::Sym(',') | Tok::Sym('}')) {
                                    break;
                                }
                                i += 1;
                            }
                        }
                    }
                }
                return (all, i);
            }
            _ => return (vec![segs], i),
        }
        if toks.get(i).map(|t| &t.0) != Some(&Tok::PathSep) {
            return (vec![segs], i);
        }
        i += 1;
    }
}

/// The module path of a source file (`src/server/api.rs` → `["server", "api"]`).
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts
}

/// The graph node of a module path.
fn node_of(path: &[String], children: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    let top = path.first()?;
    if SPLIT.contains(&top.as_str()) {
        if let Some(sub) = path.get(1).filter(|s| children[top].contains(*s)) {
            return Some(format!("{top}::{sub}"));
        }
    }
    Some(top.clone())
}

/// Child modules declared in a file (`mod name;`, `pub mod name;`), not inline ones.
fn declared_children(toks: &[(Tok, usize)]) -> BTreeSet<String> {
    toks.windows(3)
        .filter_map(|w| match (&w[0].0, &w[1].0, &w[2].0) {
            (Tok::Ident(m), Tok::Ident(n), Tok::Sym(';')) if m == "mod" => Some(n.clone()),
            _ => None,
        })
        .collect()
}

type Edges = BTreeMap<(String, String), String>;

/// The absolute module path a path names, seen from module `here` (`crate::a`, `super::b`,
/// `self::c`, or a child `d::…`).
fn resolve(segs: &[String], here: &[String]) -> Vec<String> {
    let (mut abs, rest) = match segs[0].as_str() {
        "crate" => (Vec::new(), &segs[1..]),
        _ => (here.to_vec(), segs),
    };
    for s in rest {
        match s.as_str() {
            "super" => {
                abs.pop();
            }
            "self" => {}
            _ => abs.push(s.clone()),
        }
    }
    abs
}

/// The edges out of one file: (from, to) → where it was first seen.
fn file_edges(
    rel: &Path,
    src: &str,
    children: &BTreeMap<String, BTreeSet<String>>,
    edges: &mut Edges,
) {
    let toks = tokens(src);
    let file_mod = module_of(rel);
    let Some(from) = node_of(&file_mod, children) else {
        return;
    };
    let own_children = declared_children(&toks);
    // Inline modules (`mod tests { … }`): (brace depth at which it closes, its name).
    let (mut inline, mut depth): (Vec<(usize, String)>, usize) = (Vec::new(), 0);
    let mut i = 0;
    while i < toks.len() {
        let (tok, line) = &toks[i];
        match tok {
            Tok::Sym('{') => depth += 1,
            Tok::Sym('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(m) if m == "mod" => {
                if let (Some((Tok::Ident(n), _)), Some((Tok::Sym('{'), _))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    inline.push((depth, n.clone()));
                }
            }
            _ => {}
        }
        let here: Vec<String> = file_mod
            .iter()
            .cloned()
            .chain(inline.iter().map(|(_, n)| n.clone()))
            .collect();
        let after_sep = i > 0 && toks[i - 1].0 == Tok::PathSep;
        let starts = match tok {
            Tok::Ident(s) if !after_sep && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::PathSep) => {
                match s.as_str() {
                    "crate" | "super" | "self" => true,
                    _ => inline.is_empty() && own_children.contains(s),
                }
            }
            _ => false,
        };
        if !starts {
            i += 1;
            continue;
        }
        let (found, j) = paths(&toks, i, Vec::new());
        for segs in found {
            if let Some(to) = node_of(&resolve(&segs, &here), children) {
                if to != from {
                    let at = format!("{}:{line}", rel.display());
                    edges.entry((from.clone(), to)).or_insert(at);
                }
            }
        }
        i = j.max(i + 1);
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module graph of `src/` (without `lib.rs` and `main.rs`, which only declare and call).
fn graph() -> (BTreeSet<String>, Edges) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let rels: Vec<PathBuf> = files
        .iter()
        .map(|f| f.strip_prefix(&root).unwrap().to_owned())
        .filter(|r| r != Path::new("lib.rs") && r != Path::new("main.rs"))
        .collect();
    let mut children: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for top in SPLIT {
        let src = std::fs::read_to_string(root.join(top).join("mod.rs")).unwrap();
        children.insert(top.into(), declared_children(&tokens(&src)));
    }
    let mut nodes = BTreeSet::new();
    let mut edges = Edges::new();
    for rel in &rels {
        let src = std::fs::read_to_string(root.join(rel)).unwrap();
        if let Some(n) = node_of(&module_of(rel), &children) {
            nodes.insert(n);
        }
        file_edges(rel, &src, &children, &mut edges);
    }
    (nodes, edges)
}

/// A cycle of the graph, if there is one, as its nodes in order (the first repeated last).
fn find_cycle(nodes: &BTreeSet<String>, edges: &Edges) -> Option<Vec<String>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        out.entry(a).or_default().push(b);
    }
    // 0 unseen, 1 on the stack, 2 done.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        n: &'a str,
        out: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for &m in out.get(n).into_iter().flatten() {
            match state.get(m).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|x| *x == m).expect("on the stack");
                    let mut cycle: Vec<String> =
                        stack[at..].iter().map(|s| s.to_string()).collect();
                    cycle.push(m.to_owned());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, out, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    for n in nodes {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, &out, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn layer_of(node: &str) -> Option<usize> {
    let top = node.split("::").next().expect("a name");
    LAYERS.iter().position(|(_, mods)| mods.contains(&top))
}

#[test]
fn module_graph_has_no_cycle() {
    let (nodes, edges) = graph();
    assert!(
        nodes.contains("verify") && nodes.contains("cli::verify"),
        "{nodes:?}"
    );
    if let Some(cycle) = find_cycle(&nodes, &edges) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let at = &edges[&(w[0].clone(), w[1].clone())];
                format!("  {} -> {}  ({at})", w[0], w[1])
            })
            .collect();
        panic!("import cycle {}:\n{}", cycle.join(" -> "), steps.join("\n"));
    }
}

#[test]
fn layers_point_one_way() {
    let (nodes, edges) = graph();
    let unplaced: Vec<&String> = nodes.iter().filter(|n| layer_of(n).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "put these modules in a layer: {unplaced:?}"
    );
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((a, b), _)| layer_of(a) < layer_of(b))
        .map(|((a, b), at)| {
            let name = |n: &str| LAYERS[layer_of(n).expect("placed")].0;
            format!("  {a} ({}) -> {b} ({})  at {at}", name(a), name(b))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "references up the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_core_never_names_a_front_end() {
    let (_, edges) = graph();
    let core = |n: &str| !FRONT.contains(&n.split("::").next().expect("a name"));
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((a, b), _)| core(a) && !core(b))
        .map(|((a, b), at)| format!("  {a} -> {b}  at {at}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "the core names a front end:\n{}",
        wrong.join("\n")
    );
}

/// The graph, for `cargo test --test architecture -- --nocapture`.
#[test]
fn print_the_graph() {
    let (_, edges) = graph();
    for ((a, b), at) in &edges {
        println!("{a} -> {b}  ({at})");
    }
}

/// The scanner itself: `use` trees, `super` in inline modules, comments and strings.
#[test]
fn the_scanner_reads_paths() {
    let mut children = BTreeMap::new();
    let subs = ["verify", "batch", "issue"].map(String::from);
    children.insert("cli".to_owned(), subs.into());
    children.insert("server".to_owned(), BTreeSet::new());
    let src = r#"
        use super::{verify::exit_code, Cli};
        use crate::{model::Claims, token};
        // crate::registry in a comment
        const S: &str = "crate::server::x";
        fn f<'a>(c: char) -> bool { c == '\'' || crate::qr::looks(c) }
        #[cfg(test)]
        mod tests {
            use super::*;
            fn g() { super::super::batch::run(); }
        }
    "#;
    let mut edges = Edges::new();
    file_edges(Path::new("cli/issue.rs"), src, &children, &mut edges);
    let got: Vec<String> = edges.keys().map(|(a, b)| format!("{a}->{b}")).collect();
    assert_eq!(
        got,
        [
            "cli::issue->cli",
            "cli::issue->cli::batch",
            "cli::issue->cli::verify",
            "cli::issue->model",
            "cli::issue->qr",
            "cli::issue->token"
        ]
    );
}

/// The cycle finder finds a cycle, and only one that is there.
#[test]
fn a_cycle_is_found_and_named() {
    let nodes: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    let mut edges = Edges::new();
    for (x, y) in [("a", "b"), ("b", "c")] {
        edges.insert((x.into(), y.into()), "here".into());
    }
    assert_eq!(find_cycle(&nodes, &edges), None);
    edges.insert(("c".into(), "b".into()), "there".into());
    assert_eq!(find_cycle(&nodes, &edges).unwrap(), ["b", "c", "b"]);
}
