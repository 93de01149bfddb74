//! Component Model value types, as the linker needs them: a WIT-like spelling for
//! messages (`list<u8>`, `result<_, string>`), a structural comparison between an
//! import's types and an export's types in *different* components (with a path to
//! the first difference), and the "error-shaped result" rule that lets the host
//! report a failed call as a value instead of a trap.
use wasmtime::component::types::{ComponentFunc, Type};
use wasmtime::component::{ResourceType, Val};

/// WIT-like text for a type.
pub fn describe(ty: &Type) -> String {
    match ty {
        Type::List(l) => format!("list<{}>", describe(&l.ty())),
        Type::FixedLengthList(l) => format!("list<{}, {}>", describe(&l.ty()), l.len()),
        Type::Map(m) => format!("map<{}, {}>", describe(&m.key()), describe(&m.value())),
        Type::Record(r) => {
            let fields: Vec<String> = r.fields().map(|f| format!("{}: {}", f.name, describe(&f.ty))).collect();
            format!("record {{ {} }}", fields.join(", "))
        }
        Type::Tuple(t) => format!("tuple<{}>", t.types().map(|t| describe(&t)).collect::<Vec<_>>().join(", ")),
        Type::Variant(v) => {
            let cases: Vec<String> = v
                .cases()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({})", c.name, describe(t)),
                    None => c.name.to_string(),
                })
                .collect();
            format!("variant {{ {} }}", cases.join(", "))
        }
        Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
        Type::Option(o) => format!("option<{}>", describe(&o.ty())),
        Type::Result(r) => {
            let side = |t: Option<Type>| t.map(|t| describe(&t)).unwrap_or_else(|| "_".into());
            format!("result<{}, {}>", side(r.ok()), side(r.err()))
        }
        Type::Own(_) => "own<resource>".into(),
        Type::Borrow(_) => "borrow<resource>".into(),
        Type::Future(f) => format!("future<{}>", f.ty().map(|t| describe(&t)).unwrap_or_else(|| "_".into())),
        Type::Stream(s) => format!("stream<{}>", s.ty().map(|t| describe(&t)).unwrap_or_else(|| "_".into())),
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
    }
}

/// `async func(n: u64) -> u64`
pub fn signature(f: &ComponentFunc) -> String {
    let params: Vec<String> = f.params().map(|(n, t)| format!("{n}: {}", describe(&t))).collect();
    let results: Vec<String> = f.results().map(|t| describe(&t)).collect();
    let arrow = match results.len() {
        0 => String::new(),
        _ => format!(" -> {}", results.join(", ")),
    };
    format!("{}func({}){arrow}", if f.async_() { "async " } else { "" }, params.join(", "))
}

/// Why a type cannot cross between two stores, if it cannot.
///
/// Plain values are copied from one store to the other. Futures, streams and error
/// contexts are handles that only mean something inside the store that made them,
/// so the host refuses to link functions that carry them. Resource handles are
/// checked separately ([`resources_in`]): those of host-owned data resources move.
pub fn uncrossable(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Own(_) | Type::Borrow(_) => None,
        Type::Future(_) => Some("a future"),
        Type::Stream(_) => Some("a stream"),
        Type::ErrorContext => Some("an error-context"),
        Type::List(l) => uncrossable(&l.ty()),
        Type::FixedLengthList(l) => uncrossable(&l.ty()),
        Type::Map(m) => uncrossable(&m.key()).or_else(|| uncrossable(&m.value())),
        Type::Record(r) => r.fields().find_map(|f| uncrossable(&f.ty)),
        Type::Tuple(t) => t.types().find_map(|t| uncrossable(&t)),
        Type::Variant(v) => v.cases().find_map(|c| c.ty.as_ref().and_then(uncrossable)),
        Type::Option(o) => uncrossable(&o.ty()),
        Type::Result(r) => r.ok().as_ref().and_then(uncrossable).or_else(|| r.err().as_ref().and_then(uncrossable)),
        _ => None,
    }
}

/// Every resource type a value of type `ty` can carry, in order of appearance.
pub fn resources_in(ty: &Type) -> Vec<ResourceType> {
    let mut out = Vec::new();
    collect_resources(ty, &mut out);
    out
}

fn collect_resources(ty: &Type, out: &mut Vec<ResourceType>) {
    match ty {
        Type::Own(r) | Type::Borrow(r) => out.push(*r),
        Type::List(l) => collect_resources(&l.ty(), out),
        Type::FixedLengthList(l) => collect_resources(&l.ty(), out),
        Type::Map(m) => {
            collect_resources(&m.key(), out);
            collect_resources(&m.value(), out);
        }
        Type::Record(r) => r.fields().for_each(|f| collect_resources(&f.ty, out)),
        Type::Tuple(t) => t.types().for_each(|t| collect_resources(&t, out)),
        Type::Variant(v) => v.cases().filter_map(|c| c.ty).for_each(|t| collect_resources(&t, out)),
        Type::Option(o) => collect_resources(&o.ty(), out),
        Type::Result(r) => {
            if let Some(t) = r.ok() {
                collect_resources(&t, out);
            }
            if let Some(t) = r.err() {
                collect_resources(&t, out);
            }
        }
        _ => {}
    }
}

/// Checks that a value of type `a` (from one component) can be read as type `b`
/// (in another): the same structure, names and cases. Returns where they differ.
pub fn same_shape(a: &Type, b: &Type) -> Result<(), String> {
    let differ = || Err(format!("{} vs {}", describe(a), describe(b)));
    match (a, b) {
        (Type::List(x), Type::List(y)) => same_shape(&x.ty(), &y.ty()).map_err(|e| format!("list element: {e}")),
        (Type::FixedLengthList(x), Type::FixedLengthList(y)) if x.len() == y.len() => same_shape(&x.ty(), &y.ty()),
        (Type::Map(x), Type::Map(y)) => {
            same_shape(&x.key(), &y.key())?;
            same_shape(&x.value(), &y.value())
        }
        (Type::Record(x), Type::Record(y)) => {
            let (xf, yf): (Vec<_>, Vec<_>) = (x.fields().collect(), y.fields().collect());
            if xf.len() != yf.len() || xf.iter().zip(&yf).any(|(p, q)| p.name != q.name) {
                return differ();
            }
            for (p, q) in xf.iter().zip(&yf) {
                same_shape(&p.ty, &q.ty).map_err(|e| format!("field `{}`: {e}", p.name))?;
            }
            Ok(())
        }
        (Type::Tuple(x), Type::Tuple(y)) => {
            let (xs, ys): (Vec<_>, Vec<_>) = (x.types().collect(), y.types().collect());
            if xs.len() != ys.len() {
                return differ();
            }
            xs.iter()
                .zip(&ys)
                .enumerate()
                .try_for_each(|(i, (p, q))| same_shape(p, q).map_err(|e| format!("tuple item {i}: {e}")))
        }
        (Type::Variant(x), Type::Variant(y)) => {
            let (xc, yc): (Vec<_>, Vec<_>) = (x.cases().collect(), y.cases().collect());
            if xc.len() != yc.len() || xc.iter().zip(&yc).any(|(p, q)| p.name != q.name) {
                return differ();
            }
            for (p, q) in xc.iter().zip(&yc) {
                match (&p.ty, &q.ty) {
                    (None, None) => {}
                    (Some(s), Some(t)) => same_shape(s, t).map_err(|e| format!("case `{}`: {e}", p.name))?,
                    _ => return differ(),
                }
            }
            Ok(())
        }
        (Type::Enum(x), Type::Enum(y)) if x.names().eq(y.names()) => Ok(()),
        (Type::Flags(x), Type::Flags(y)) if x.names().eq(y.names()) => Ok(()),
        (Type::Option(x), Type::Option(y)) => same_shape(&x.ty(), &y.ty()).map_err(|e| format!("option: {e}")),
        (Type::Result(x), Type::Result(y)) => {
            let side = |p: Option<Type>, q: Option<Type>, what: &str| match (p, q) {
                (None, None) => Ok(()),
                (Some(s), Some(t)) => same_shape(&s, &t).map_err(|e| format!("result {what}: {e}")),
                _ => Err(format!("{} vs {}", describe(a), describe(b))),
            };
            side(x.ok(), y.ok(), "ok")?;
            side(x.err(), y.err(), "err")
        }
        (Type::Own(_), Type::Own(_)) | (Type::Borrow(_), Type::Borrow(_)) => Ok(()),
        (Type::Future(_), Type::Future(_)) | (Type::Stream(_), Type::Stream(_)) => Ok(()),
        _ if std::mem::discriminant(a) == std::mem::discriminant(b) && is_primitive(a) => Ok(()),
        _ => differ(),
    }
}

fn is_primitive(t: &Type) -> bool {
    matches!(
        t,
        Type::Bool
            | Type::S8
            | Type::U8
            | Type::S16
            | Type::U16
            | Type::S32
            | Type::U32
            | Type::S64
            | Type::U64
            | Type::Float32
            | Type::Float64
            | Type::Char
            | Type::String
            | Type::ErrorContext
    )
}

/// Checks that an imported function can be served by an exported one: the same
/// parameter and result types. Parameter names and async-ness may differ: the host
/// bridges a sync-typed import onto an `async func` export and back.
pub fn same_func_shape(import: &ComponentFunc, export: &ComponentFunc) -> Result<(), String> {
    let (ip, ep): (Vec<_>, Vec<_>) = (import.params().collect(), export.params().collect());
    if ip.len() != ep.len() {
        return Err(format!("{} parameter(s) imported, {} exported", ip.len(), ep.len()));
    }
    for ((name, it), (_, et)) in ip.iter().zip(&ep) {
        same_shape(it, et).map_err(|e| format!("parameter `{name}`: {e}"))?;
    }
    let (ir, er): (Vec<_>, Vec<_>) = (import.results().collect(), export.results().collect());
    if ir.len() != er.len() {
        return Err(format!("{} result(s) imported, {} exported", ir.len(), er.len()));
    }
    for (it, et) in ir.iter().zip(&er) {
        same_shape(it, et).map_err(|e| format!("result: {e}"))?;
    }
    Ok(())
}

/// How to report a failed call as a value of the function's own result type, when
/// that type has a place for an error message: `result<_, string>`, or a
/// `result<_, variant { .., other(string) }>` as `wasi:messaging` and others define.
#[derive(Debug, Clone)]
pub enum ErrorShape {
    /// `result<T, string>`
    String,
    /// `result<T, variant { ..., <case>(string) }>`
    VariantCase(String),
}

impl ErrorShape {
    /// The error shape of a function's results, if it has one.
    pub fn of(results: &[Type]) -> Option<ErrorShape> {
        let [Type::Result(r)] = results else { return None };
        match r.err()? {
            Type::String => Some(ErrorShape::String),
            Type::Variant(v) => {
                let cases: Vec<_> = v.cases().collect();
                ["other", "internal", "unavailable", "connection"]
                    .iter()
                    .find(|want| cases.iter().any(|c| c.name == **want && matches!(c.ty, Some(Type::String))))
                    .map(|c| ErrorShape::VariantCase(c.to_string()))
            }
            _ => None,
        }
    }

    /// The value that carries `message`.
    pub fn value(&self, message: String) -> Val {
        let err = match self {
            ErrorShape::String => Val::String(message),
            ErrorShape::VariantCase(case) => Val::Variant(case.clone(), Some(Box::new(Val::String(message)))),
        };
        Val::Result(Err(Some(Box::new(err))))
    }
}
