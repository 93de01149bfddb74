//! `component.function(args)` expressions, as `outrigger call` and
//! `outrigger run --invoke` take them. Arguments are WAVE (the WebAssembly Value
//! Encoding that `wasmtime run --invoke` uses too), typed by the function itself:
//! `client.bump(1000)`, `upper.apply("hi")`, `client.outrigger:examples/driver#wait(50)`.
use crate::CallError;
use crate::workload::{FuncRef, Workload};
use anyhow::{Context as _, Result, bail};
use wasmtime::component::Val;

/// A parsed call expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallExpr {
    pub component: String,
    pub function: String,
    /// The WAVE argument list, including the parentheses: `(1000)`.
    pub args: String,
}

impl CallExpr {
    pub fn parse(text: &str) -> Result<CallExpr> {
        let text = text.trim();
        let (head, args) = match text.find('(') {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, "()"),
        };
        let Some((component, function)) = head.split_once('.') else {
            bail!("`{text}`: expected component.function(args), e.g. client.bump(10)");
        };
        if component.is_empty() || function.is_empty() {
            bail!("`{text}`: expected component.function(args), e.g. client.bump(10)");
        }
        Ok(CallExpr { component: component.to_string(), function: function.to_string(), args: args.to_string() })
    }

    /// Resolves the function and turns the WAVE arguments into typed values.
    pub fn resolve(&self, workload: &Workload) -> Result<(FuncRef, Vec<Val>)> {
        let f = workload.func(&self.component, &self.function)?;
        let types: Vec<_> = f.ty().params().map(|(_, t)| t).collect();
        let source = format!("f{}", self.args);
        let call = wasm_wave::untyped::UntypedFuncCall::parse(&source)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("arguments `{}` are not valid WAVE", self.args))?;
        let params: Vec<Val> =
            call.to_wasm_params(types.iter()).map_err(|e| anyhow::anyhow!("{e}")).with_context(|| {
                format!("arguments `{}` do not fit `{}`", self.args, crate::plan::wit_types::signature(f.ty()))
            })?;
        Ok((f, params))
    }

    /// Runs the call and renders the results as WAVE.
    pub async fn run(&self, workload: &Workload) -> Result<String> {
        let (f, params) = self.resolve(workload)?;
        let results = f.call(&params).await.map_err(|e: CallError| anyhow::anyhow!(e))?;
        let shown: Vec<String> =
            results.iter().map(|v| wasm_wave::to_string(v).unwrap_or_else(|e| format!("<{e}>"))).collect();
        Ok(match shown.len() {
            0 => "()".to_string(),
            1 => shown[0].clone(),
            _ => format!("({})", shown.join(", ")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::CallExpr;

    #[test]
    fn parses() {
        let c = CallExpr::parse("client.bump(1000)").unwrap();
        assert_eq!((c.component.as_str(), c.function.as_str(), c.args.as_str()), ("client", "bump", "(1000)"));
        let c = CallExpr::parse("client.outrigger:examples/driver#read").unwrap();
        assert_eq!((c.function.as_str(), c.args.as_str()), ("outrigger:examples/driver#read", "()"));
        assert!(CallExpr::parse("bump(1)").is_err());
    }
}
