//! The crate's layering, checked from its source: no module imports another that (directly or
//! through others) imports it back, and every import points to the same layer or one below, in
//! the order of the module map in `lib.rs`. Test code is left out (it may use any layer).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The folders (and root modules) from the ground up; a module may import from its own layer
/// and the layers before it.
const LAYERS: [&str; 7] = [
    "fault", "dialect", "json", "ocpp", "ocppj", "columnar", "py",
];

fn layer(module: &str) -> usize {
    let top = module.split('/').next().unwrap_or(module);
    LAYERS
        .iter()
        .position(|l| *l == top)
        .unwrap_or_else(|| panic!("module {module} is in no layer: add its folder to LAYERS"))
}

/// Every module's source (`folder/name`, or `name` at the root), without its test code.
fn modules(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if path.is_dir() {
            if name != "schemas" {
                modules(&path, &format!("{prefix}{name}/"), out);
            }
            continue;
        }
        if path.extension() != Some("rs".as_ref())
            || ["lib", "tests", "layers", "test_support"].contains(&name.as_str())
        {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let module = if name == "mod" {
            prefix.trim_end_matches('/').to_owned()
        } else {
            format!("{prefix}{name}")
        };
        out.insert(module, code.to_owned());
    }
}

/// The modules `code` (of module `from`) names through `crate::` or `super::` paths.
fn imports(from: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let folder = from.rsplit_once('/').map_or("", |(f, _)| f);
    let mut found = BTreeSet::new();
    let resolve = |base: &str, name: &str, found: &mut BTreeSet<String>| {
        let nested = format!("{base}/{name}");
        if known.contains(&nested) {
            found.insert(nested);
        } else if known.contains(base) {
            found.insert(base.to_owned());
        }
    };
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for (start, root) in [("crate::", None), ("super::", Some(folder))] {
            let mut rest = line;
            while let Some(at) = rest.find(start) {
                rest = &rest[at + start.len()..];
                let ident_end = |s: &str| {
                    s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(s.len())
                };
                let (base, after) = match root {
                    Some(folder) => (folder.to_owned(), rest),
                    None => {
                        let end = ident_end(rest);
                        (rest[..end].to_owned(), &rest[end..])
                    }
                };
                if let Some(inner) = after.strip_prefix("::{") {
                    let group = &inner[..inner.find('}').unwrap_or(inner.len())];
                    for name in group.split(',') {
                        let name = name.trim();
                        let name = &name[..ident_end(name)];
                        resolve(&base, name, &mut found);
                    }
                } else if let Some(inner) = after.strip_prefix("::").or(root.map(|_| after)) {
                    resolve(&base, &inner[..ident_end(inner)], &mut found);
                } else {
                    resolve(&base, "", &mut found);
                }
            }
        }
    }
    found.remove(from);
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut sources = BTreeMap::new();
    modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("rust"),
        "",
        &mut sources,
    );
    let known: BTreeSet<String> = sources.keys().cloned().collect();
    sources
        .iter()
        .map(|(m, code)| (m.clone(), imports(m, code, &known)))
        .collect()
}

/// A circle through `at`, if one is reachable from it.
fn circle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    at: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|m| m == at) {
        let mut found = path[i..].to_vec();
        found.push(at.to_owned());
        return Some(found);
    }
    if !done.insert(at.to_owned()) {
        return None;
    }
    path.push(at.to_owned());
    for next in &graph[at] {
        if let Some(found) = circle(graph, next, path, done) {
            return Some(found);
        }
    }
    path.pop();
    None
}

#[test]
fn the_checker_sees_imports() {
    let g = graph();
    assert!(
        g["ocpp/encode"].contains("json/writer"),
        "{:?}",
        g["ocpp/encode"]
    );
    assert!(g["ocppj/frame"].contains("ocpp/profile"));
    assert!(g["ocpp/profile"].contains("ocpp/transaction_event_response"));
    assert!(g["py/transaction"].contains("py/args"));
    assert!(g["columnar/rows"].contains("dialect") || g["columnar/rows"].contains("ocppj/frame"));
}

#[test]
fn no_module_imports_itself_through_others() {
    let g = graph();
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Some(found) = circle(&g, m, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", found.join(" -> "));
        }
    }
}

#[test]
fn every_import_points_down() {
    for (m, uses) in graph() {
        for u in uses {
            assert!(
                layer(&u) <= layer(&m),
                "{m} imports {u}, a higher layer (order: {LAYERS:?})"
            );
        }
    }
}
