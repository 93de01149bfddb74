//! JSON Schema checks (jsonschema crate): tool arguments against the tool's input
//! schema before its component runs, structured output against its output schema
//! after. A schema a component declares that does not compile is reported when the
//! tool list is loaded, naming the tool.
use serde_json::Value;

pub struct Schema {
    validator: jsonschema::Validator,
}

impl Schema {
    /// Compiles `schema` (of `what`, for the error message).
    pub fn compile(schema: &Value, what: &str) -> Result<Schema, String> {
        jsonschema::validator_for(schema)
            .map(|validator| Schema { validator })
            .map_err(|e| format!("{what} is not a usable JSON Schema: {e}"))
    }

    /// `Err` lists every violation (at most five), each with where it is.
    pub fn check(&self, instance: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(instance)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_where_arguments_go_wrong() {
        let s = Schema::compile(
            &json!({"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}),
            "tool `square`'s input schema",
        )
        .unwrap();
        assert!(s.check(&json!({"x": 3})).is_ok());
        let e = s.check(&json!({"x": "three"})).unwrap_err();
        assert!(e.starts_with("/x:"), "{e}");
        assert!(s.check(&json!({})).unwrap_err().contains("\"x\" is a required property"));
    }

    #[test]
    fn a_broken_schema_names_its_tool() {
        let e = Schema::compile(&json!({"type": 12}), "tool `t`'s input schema").err().unwrap();
        assert!(e.starts_with("tool `t`'s input schema is not a usable JSON Schema"), "{e}");
    }
}
