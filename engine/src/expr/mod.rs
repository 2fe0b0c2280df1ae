//! Conditions in workflow definitions (`when: assessment.passed && form.proposal.budget <= 5000`).
//!
//! A small, safe expression language over a project's data: literals, dotted paths,
//! comparisons and boolean connectives — never arbitrary code. A condition is parsed and
//! type-checked against a [`Schema`] when the definition is validated, so mistakes surface
//! with a precise column before anything runs; at runtime it is evaluated against an
//! [`Env`], where data not provided yet is [`Value::Missing`].

mod eval;
mod falsity;
mod parse;

pub use falsity::Compare;

/// A parsed condition, ready to be checked against a schema and evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    root: Node,
}

/// Where and why a condition is wrong. `column` is the 0-based CHARACTER offset into the
/// condition text where the problem starts (callers add it to the YAML location of the string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// 0-based character (not byte) offset into the condition text.
    pub column: usize,
    /// What is wrong, written for the person editing the workflow definition.
    pub message: String,
}

/// The static type of a value in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `true` or `false`.
    Bool,
    /// A number, compared as `f64`.
    Number,
    /// A piece of text, compared by character order.
    Text,
}

/// What names exist and their types, for checking a condition before it ever runs.
pub trait Schema {
    /// The type of `path` (e.g. ["form","proposal","budget"]), or a message for the person
    /// writing the definition saying why it is unknown, ideally listing what is known at that level,
    /// e.g. "unknown form field 'budgt' in form 'proposal'; its fields are: budget, service".
    fn type_of(&self, path: &[String]) -> Result<Type, String>;
}

/// A runtime value. `Missing` is data not provided yet (e.g. a form not submitted).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A true/false value.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A piece of text.
    Text(String),
    /// Data that has not been provided yet; every comparison with it is false.
    Missing,
}

/// Why a condition is false, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Falsehood {
    /// The yes/no value at `path` is not `expected`.
    Flag {
        /// The path.
        path: Vec<String>,
        /// What it must be.
        expected: bool,
    },
    /// The value at `path` is not given yet.
    Missing {
        /// The path.
        path: Vec<String>,
    },
    /// The value at `path` must be `op` (`eq`, `ne`, `lt`, `le`, `gt`, `ge`)
    /// `expected`, and is `actual` (perhaps missing).
    Compare {
        /// The path.
        path: Vec<String>,
        /// The comparison that must hold, as a word.
        op: &'static str,
        /// The value it is compared with.
        expected: Value,
        /// Its value now.
        actual: Value,
    },
    /// A part that is written to be always false.
    Never {
        /// Its text.
        text: String,
    },
    /// Any other part, by its text: it is false (true when `negated`).
    Text {
        /// The part of the condition, as written.
        text: String,
        /// Whether it must not hold.
        negated: bool,
    },
}

/// The project's data as seen by a condition at runtime.
pub trait Env {
    /// The current value at `path`, or [`Value::Missing`] when there is none (yet).
    fn value(&self, path: &[String]) -> Value;
}

impl Expr {
    /// Parse a condition. Errors carry the character column where the problem starts.
    pub fn parse(source: &str) -> Result<Expr, Error> {
        let root = parse::parse(source)?;
        Ok(Expr {
            source: source.to_string(),
            root,
        })
    }

    /// The condition text exactly as it was parsed.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Type-check against a schema: every path known, types agree, whole expression is Bool.
    /// The error column points at the offending path or operator.
    pub fn check(&self, schema: &dyn Schema) -> Result<(), Error> {
        eval::check(self, schema)
    }

    /// All paths the expression mentions (for listing what a condition depends on),
    /// in order of first appearance, without duplicates.
    pub fn paths(&self) -> Vec<Vec<String>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        collect_paths(&self.root, &mut seen, &mut out);
        out
    }

    /// Evaluate. Total: never panics. Missing values: any comparison involving Missing is false,
    /// a Missing used as a Bool is false; `!` of Missing-as-bool is true. A value of the wrong type
    /// at runtime (should not happen after check) behaves like Missing.
    pub fn eval(&self, env: &dyn Env) -> bool {
        eval::truth(&self.root, env)
    }

    /// Which part made the condition false, as data (an interface puts it
    /// into words): for `&&` the first false operand, for `||` the whole
    /// expression; `!` turns what must hold around (`!(a > 1)`: `a` must be
    /// at most 1). Returns None when the condition is true.
    pub fn why_false(&self, env: &dyn Env) -> Option<Falsehood> {
        eval::why_false(self, env)
    }

    /// The text of `node`, including its surrounding parentheses if it had any.
    fn text(&self, node: &Node) -> &str {
        self.source.get(node.outer.0..node.outer.1).unwrap_or("")
    }
}

/// Adds the paths under `node` to `out`, skipping those in `seen` (a set, so
/// a condition naming thousands of paths is listed in linear time).
fn collect_paths<'n>(
    node: &'n Node,
    seen: &mut std::collections::HashSet<&'n [String]>,
    out: &mut Vec<Vec<String>>,
) {
    match &node.kind {
        Kind::Path(p) => {
            if seen.insert(p) {
                out.push(p.clone());
            }
        }
        Kind::Bool(_) | Kind::Number(_) | Kind::Text(_) => {}
        Kind::Not(inner) => collect_paths(inner, seen, out),
        Kind::And(items) | Kind::Or(items) => {
            for item in items {
                collect_paths(item, seen, out);
            }
        }
        Kind::Cmp { left, right, .. } => {
            collect_paths(left, seen, out);
            collect_paths(right, seen, out);
        }
    }
}

/// A node of the syntax tree with where it sits in the source.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    kind: Kind,
    /// Character column where the node itself starts (inside any parentheses).
    column: usize,
    /// Byte range of the node including surrounding parentheses, for showing it to people.
    outer: (usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Bool(bool),
    Number(f64),
    Text(String),
    Path(Vec<String>),
    Not(Box<Node>),
    /// Two or more operands; n-ary so long chains do not make the tree deep.
    And(Vec<Node>),
    /// Two or more operands; n-ary so long chains do not make the tree deep.
    Or(Vec<Node>),
    Cmp {
        op: CmpOp,
        /// Character column of the operator, for type errors.
        op_column: usize,
        left: Box<Node>,
        right: Box<Node>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The comparison as a word messages choose by.
    fn word(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }

    /// The comparison that holds exactly when this one does not.
    fn negate(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }

    /// The same comparison with its sides swapped (`1 < a` is `a > 1`).
    fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            same => same,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    /// A map-backed schema and environment at once.
    #[derive(Default)]
    struct Data {
        types: HashMap<Vec<String>, Type>,
        values: HashMap<Vec<String>, Value>,
    }

    impl Data {
        fn with(mut self, path: &str, value: Value) -> Self {
            let t = match &value {
                Value::Bool(_) => Type::Bool,
                Value::Number(_) => Type::Number,
                Value::Text(_) => Type::Text,
                Value::Missing => panic!("give a type with `typed`"),
            };
            self.types.insert(p(path), t);
            self.values.insert(p(path), value);
            self
        }

        fn typed(mut self, path: &str, t: Type) -> Self {
            self.types.insert(p(path), t);
            self
        }
    }

    impl Schema for Data {
        fn type_of(&self, path: &[String]) -> Result<Type, String> {
            self.types
                .get(path)
                .copied()
                .ok_or_else(|| format!("unknown name '{}'", path.join(".")))
        }
    }

    impl Env for Data {
        fn value(&self, path: &[String]) -> Value {
            self.values.get(path).cloned().unwrap_or(Value::Missing)
        }
    }

    struct AllMissing;
    impl Env for AllMissing {
        fn value(&self, _: &[String]) -> Value {
            Value::Missing
        }
    }

    fn b(v: bool) -> Value {
        Value::Bool(v)
    }
    fn n(v: f64) -> Value {
        Value::Number(v)
    }
    fn t(v: &str) -> Value {
        Value::Text(v.to_string())
    }

    /// The tree's structure without positions, e.g. `or(a, and(b, c))`.
    fn shape(src: &str) -> String {
        fn go(node: &Node) -> String {
            let list = |name: &str, items: &[&Node]| {
                let inner: Vec<String> = items.iter().map(|i| go(i)).collect();
                format!("{name}({})", inner.join(", "))
            };
            match &node.kind {
                Kind::Bool(b) => b.to_string(),
                Kind::Number(n) => n.to_string(),
                Kind::Text(t) => format!("{t:?}"),
                Kind::Path(p) => p.join("."),
                Kind::Not(i) => list("not", &[i]),
                Kind::And(items) => list("and", &items.iter().collect::<Vec<_>>()),
                Kind::Or(items) => list("or", &items.iter().collect::<Vec<_>>()),
                Kind::Cmp {
                    op, left, right, ..
                } => list(op.symbol(), &[left, right]),
            }
        }
        go(&Expr::parse(src).unwrap().root)
    }

    fn eval(src: &str, data: &Data) -> bool {
        Expr::parse(src).unwrap().eval(data)
    }

    fn bools(a: bool, bb: bool, c: bool) -> Data {
        Data::default()
            .with("a", b(a))
            .with("b", b(bb))
            .with("c", b(c))
    }

    fn parse_err(src: &str) -> (usize, String) {
        let e = Expr::parse(src).unwrap_err();
        (e.column, e.message)
    }

    fn check_err(src: &str, schema: &Data) -> (usize, String) {
        let e = Expr::parse(src).unwrap().check(schema).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // a || (b && c): with a true it is true whatever b, c are.
        assert!(eval("a || b && c", &bools(true, false, false)));
        // (a || b) && c would be false here; a || (b && c) is true.
        assert!(eval("a || b && c", &bools(true, true, false)));
        assert!(!eval("a || b && c", &bools(false, true, false)));
        assert!(eval("a || b && c", &bools(false, true, true)));
        assert!(!eval("(a || b) && c", &bools(true, true, false)));
        assert!(eval("b && c || a", &bools(true, false, false)));
    }

    #[test]
    fn word_operators_match_symbols() {
        for (a, bb, c) in [
            (true, false, true),
            (false, true, true),
            (false, false, false),
        ] {
            let d = bools(a, bb, c);
            assert_eq!(eval("a or b and c", &d), eval("a || b && c", &d));
            assert_eq!(eval("not a and c", &d), eval("!a && c", &d));
        }
        assert_eq!(shape("a and b or not c"), "or(and(a, b), not(c))");
        assert_eq!(shape("a && b || !c"), "or(and(a, b), not(c))");
        assert_eq!(shape("a || b && c"), "or(a, and(b, c))");
        assert_eq!(shape("!a == b"), "not(==(a, b))");
        assert_eq!(shape("a or b or c"), "or(a, b, c)");
    }

    #[test]
    fn not_and_its_precedence() {
        let d = bools(true, false, false);
        assert!(!eval("!a", &d));
        assert!(eval("!b", &d));
        assert!(eval("!!a", &d));
        assert!(eval("not not a", &d));
        // `!` binds looser than comparisons: !(a == b), and tighter than &&.
        assert!(eval("!a == b", &d));
        assert!(eval("!b && a", &d));
        assert!(!eval("!(b || a)", &d));
        assert!(eval("!(a && b)", &d));
    }

    #[test]
    fn parentheses_group() {
        let d = bools(false, true, true);
        assert!(eval("(a || b) && c", &d));
        assert!(eval("((((c))))", &d));
        assert!(eval("(a == b) == false", &d));
    }

    #[test]
    fn each_comparison() {
        let d = Data::default().with("x", n(5.0)).with("s", t("beta"));
        let cases = [
            ("x == 5", true),
            ("x == 5.0", true),
            ("x != 5", false),
            ("x != 4.5", true),
            ("x < 5", false),
            ("x < 5.5", true),
            ("x <= 5", true),
            ("x <= 4", false),
            ("x > 4", true),
            ("x > 5", false),
            ("x >= 5", true),
            ("x >= 6", false),
            ("x > -1", true),
            ("-10 < x", true),
            ("s == 'beta'", true),
            ("s != \"beta\"", false),
            ("s < 'gamma'", true),
            ("s > 'alpha'", true),
            ("s >= 'beta'", true),
            ("s <= 'bet'", false),
            ("true == true", true),
            ("true != false", true),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src, &d), want, "{src}");
        }
    }

    #[test]
    fn literals_and_escapes() {
        let e = Expr::parse(r#"x == "say \"hi\" \\ 'there'""#).unwrap();
        let Kind::Cmp { right, .. } = &e.root.kind else {
            panic!("not a comparison")
        };
        assert_eq!(right.kind, Kind::Text(r#"say "hi" \ 'there'"#.to_string()));
        let e = Expr::parse(r"x == 'it\'s'").unwrap();
        let Kind::Cmp { right, .. } = &e.root.kind else {
            panic!("not a comparison")
        };
        assert_eq!(right.kind, Kind::Text("it's".to_string()));
        let d = Data::default().with("x", t("it's"));
        assert!(e.eval(&d));
        assert_eq!(Expr::parse("-2.5 < 1").unwrap().source(), "-2.5 < 1");
        assert!(eval("-2.5 < 1", &Data::default()));
        assert!(eval("true", &Data::default()));
        assert!(!eval("false", &Data::default()));
    }

    #[test]
    fn paths_with_hyphens_and_reserved_later_segments() {
        let e =
            Expr::parse("form.my-form.not && milestones.all_accepted || form.my-form.not").unwrap();
        assert_eq!(
            e.paths(),
            vec![p("form.my-form.not"), p("milestones.all_accepted")]
        );
        assert_eq!(Expr::parse("x.a-1 == 2").unwrap().paths(), vec![p("x.a-1")]);
    }

    #[test]
    fn missing_semantics() {
        let m = AllMissing;
        for src in [
            "x",
            "x == 1",
            "x != 1",
            "x < 1",
            "x >= 1",
            "x == 'a'",
            "x == true",
            "x != false",
            "x == y",
            "x && true",
        ] {
            assert!(!Expr::parse(src).unwrap().eval(&m), "{src}");
        }
        for src in ["!x", "not x", "!(x == 1)", "!(x != 1)", "x || true"] {
            assert!(Expr::parse(src).unwrap().eval(&m), "{src}");
        }
    }

    #[test]
    fn wrong_runtime_type_acts_missing() {
        let d = Data::default().with("x", t("5")).with("f", n(1.0));
        assert!(!eval("x == 5", &d));
        assert!(!eval("x != 5", &d));
        assert!(!eval("f", &d));
        assert!(eval("!f", &d));
        assert!(!eval("true < false", &d));
    }

    #[test]
    fn parse_errors_with_columns() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "the condition is empty"),
            ("   ", 0, "the condition is empty"),
            (
                "a && )",
                5,
                "expected a name, a number, a string, `true`, `false` or `(` but found `)`",
            ),
            (
                "a &&",
                4,
                "expected a name, a number, a string, `true`, `false` or `(` but found the end of the condition",
            ),
            ("x == 'abc", 5, "unclosed string"),
            ("x == \"ab\\", 5, "unclosed string"),
            ("(a || (b)", 0, "unclosed parenthesis"),
            ("a & b", 2, "unexpected `&` — write `&&` or `and`"),
            ("a | b", 2, "unexpected `|` — write `||` or `or`"),
            ("x = 1", 2, "use `==` to compare"),
            ("x < 1 < 2", 6, "comparisons cannot be chained; use `&&`"),
            ("a == b != c", 7, "comparisons cannot be chained; use `&&`"),
            ("a)", 1, "unexpected `)` with no matching `(`"),
            (
                "a b",
                2,
                "expected `&&`, `||`, a comparison or the end of the condition but found `b`",
            ),
            (
                "(a b)",
                3,
                "expected `&&`, `||`, a comparison or `)` but found `b`",
            ),
            ("a # b", 2, "unexpected character `#`"),
            (
                "a.",
                2,
                "expected a name after `.` (names start with a letter or `_`)",
            ),
            (
                "a..b",
                2,
                "expected a name after `.` (names start with a letter or `_`)",
            ),
            ("x == 1.", 5, "invalid number `1.`"),
            ("x == 1.2.3", 5, "invalid number `1.2.3`"),
            ("x == 3abc", 5, "invalid number `3abc`"),
            (
                "x == 5-3",
                5,
                "invalid number `5-3` (there is no arithmetic in conditions)",
            ),
            (
                "a - b",
                2,
                "unexpected `-` — there is no arithmetic; `-` may only start a number like `-1`",
            ),
            (
                "x == 'a\\nb'",
                7,
                "unknown escape `\\n` in a string; only `\\\\` and `\\'` can be escaped",
            ),
            (
                "true.x",
                0,
                "`true` is a reserved word and cannot start a name",
            ),
            (
                "a && not.b",
                5,
                "`not` is a reserved word and cannot start a name",
            ),
            (
                "a == !b",
                5,
                "expected a name, a number, a string, `true`, `false` or `(` but found `!`",
            ),
        ];
        for &(src, column, message) in cases {
            assert_eq!(parse_err(src), (column, message.to_string()), "{src:?}");
        }
        let huge = format!("x == {}", "9".repeat(400));
        assert_eq!(parse_err(&huge).0, 5);
        assert!(parse_err(&huge).1.contains("too large"));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // Each of "é", "ü" and "—" is several bytes but one character.
        assert_eq!(
            parse_err("x == 'héllo wörld' & y"),
            (19, "unexpected `&` — write `&&` or `and`".to_string())
        );
        assert_eq!(parse_err("'—' == 'ü").0, 7);
        assert_eq!(parse_err("x == 'ü' é").1, "unexpected character `é`");
        assert_eq!(parse_err("x == 'ü' é").0, 9);
        let d = Data::default().with("x", n(1.0));
        assert_eq!(check_err("'ü—é' == x", &d).0, 6);
    }

    #[test]
    fn nesting_limit() {
        let ok = format!("{}a{}", "(".repeat(64), ")".repeat(64));
        assert!(Expr::parse(&ok).is_ok());
        let deep = format!("{}a{}", "(".repeat(65), ")".repeat(65));
        let (col, msg) = parse_err(&deep);
        assert_eq!(col, 64);
        assert!(msg.contains("nested too deeply"), "{msg}");
        assert!(Expr::parse(&format!("{}a", "!".repeat(64))).is_ok());
        assert_eq!(parse_err(&format!("{}a", "!".repeat(65))).0, 64);
        assert_eq!(parse_err(&format!("{}a", "not ".repeat(65))).0, 256);
        // Mixed `!` and `(` share one budget.
        assert_eq!(parse_err(&format!("{}a", "!(".repeat(40))).0, 64);
        // Far beyond the limit: an error, not a stack overflow.
        assert!(Expr::parse(&"(".repeat(100_000)).is_err());
        // Long flat chains are fine (n-ary, not deep).
        let long = vec!["a"; 50_000].join(" && ");
        assert!(Expr::parse(&long).unwrap().eval(&bools(true, true, true)));
    }

    fn schema() -> Data {
        Data::default()
            .with("ok", b(true))
            .with("form.p.budget", n(7000.0))
            .with("form.p.service", t("print"))
    }

    #[test]
    fn check_accepts_well_typed() {
        let s = schema();
        for src in [
            "ok",
            "!ok && form.p.budget <= 5000 || form.p.service == 'x'",
            "(ok == true) != false",
            "form.p.service < 'z'",
            "true",
        ] {
            assert_eq!(Expr::parse(src).unwrap().check(&s), Ok(()), "{src}");
        }
    }

    #[test]
    fn type_errors_with_columns() {
        let s = schema();
        let cases: &[(&str, usize, &str)] = &[
            ("ok && form.p.budgt > 1", 6, "unknown name 'form.p.budgt'"),
            (
                "form.p.budget",
                0,
                "the condition must be true or false, but `form.p.budget` is a number",
            ),
            (
                "(form.p.service)",
                1,
                "the condition must be true or false, but `(form.p.service)` is text",
            ),
            (
                "ok && form.p.budget == '5'",
                20,
                "`==` compares values of the same type, but `form.p.budget` is a number and `'5'` is text",
            ),
            (
                "form.p.budget != ok",
                14,
                "`!=` compares values of the same type, but `form.p.budget` is a number and `ok` is a true/false value",
            ),
            (
                "ok < true",
                3,
                "`<` compares two numbers or two texts, but `ok` is a true/false value and `true` is a true/false value",
            ),
            (
                "1 >= 'a'",
                2,
                "`>=` compares two numbers or two texts, but `1` is a number and `'a'` is text",
            ),
            (
                "ok && form.p.budget",
                6,
                "`&&` needs true/false values, but `form.p.budget` is a number",
            ),
            (
                "form.p.service or ok",
                0,
                "`||` needs true/false values, but `form.p.service` is text",
            ),
            (
                "ok && !form.p.budget",
                7,
                "`!` needs true/false values, but `form.p.budget` is a number",
            ),
            (
                "(ok || ok) < 1",
                11,
                "`<` compares two numbers or two texts, but `(ok || ok)` is a true/false value and `1` is a number",
            ),
        ];
        for &(src, column, message) in cases {
            assert_eq!(check_err(src, &s), (column, message.to_string()), "{src:?}");
        }
    }

    #[test]
    fn why_false_names_the_part_that_fails() {
        let d = schema()
            .with("milestones.all_accepted", b(false))
            .typed("form.q.budget", Type::Number);
        let why = |src: &str| Expr::parse(src).unwrap().why_false(&d);
        let path = |s: &str| p(s);
        let text = |t: &str, negated| {
            Some(Falsehood::Text {
                text: t.into(),
                negated,
            })
        };
        assert_eq!(why("ok"), None);
        assert_eq!(
            why("milestones.all_accepted"),
            Some(Falsehood::Flag {
                path: path("milestones.all_accepted"),
                expected: true
            })
        );
        let over = Some(Falsehood::Compare {
            path: path("form.p.budget"),
            op: "le",
            expected: Value::Number(5000.0),
            actual: Value::Number(7000.0),
        });
        assert_eq!(
            why("ok && form.p.budget <= 5000 && milestones.all_accepted"),
            over
        );
        assert_eq!(why("5000 >= form.p.budget"), over);
        assert_eq!(
            why("form.q.budget <= 5000"),
            Some(Falsehood::Compare {
                path: path("form.q.budget"),
                op: "le",
                expected: Value::Number(5000.0),
                actual: Value::Missing,
            })
        );
        assert_eq!(
            why("form.p.service == 'scan'"),
            Some(Falsehood::Compare {
                path: path("form.p.service"),
                op: "eq",
                expected: Value::Text("scan".into()),
                actual: Value::Text("print".into()),
            })
        );
        assert_eq!(
            why("milestones.all_accepted || form.p.budget < 10"),
            text("milestones.all_accepted || form.p.budget < 10", false)
        );
        assert_eq!(
            why("!ok"),
            Some(Falsehood::Flag {
                path: path("ok"),
                expected: false
            })
        );
        assert_eq!(
            why("!(form.p.budget > 1)"),
            Some(Falsehood::Compare {
                path: path("form.p.budget"),
                op: "le",
                expected: Value::Number(1.0),
                actual: Value::Number(7000.0),
            })
        );
        assert_eq!(
            why("ok and pending.flag"),
            Some(Falsehood::Missing {
                path: path("pending.flag")
            })
        );
        assert_eq!(
            why("ok && (milestones.all_accepted or false)"),
            text("(milestones.all_accepted or false)", false)
        );
        assert_eq!(
            why("false"),
            Some(Falsehood::Never {
                text: "false".into()
            })
        );
        // Consistent with eval on everything.
        for src in [
            "ok",
            "!ok",
            "ok && !ok",
            "form.p.budget > 1 || ok",
            "!(ok || x.y)",
        ] {
            let e = Expr::parse(src).unwrap();
            assert_eq!(e.why_false(&d).is_none(), e.eval(&d), "{src}");
        }
    }

    #[test]
    fn error_displays_message() {
        let e = Expr::parse("x = 1").unwrap_err();
        assert_eq!(e.to_string(), "use `==` to compare");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(src in "\\PC{0,80}") {
            if let Ok(e) = Expr::parse(&src) {
                let _ = e.eval(&AllMissing);
                let _ = e.why_false(&AllMissing);
                let _ = e.check(&schema());
                let _ = e.paths();
            }
        }

        #[test]
        fn never_panics_on_condition_like_text(
            src in "([a-z._ ()!=<>&|'\"\\\\0-9-]|and|or|not|true|false|é){0,60}"
        ) {
            match Expr::parse(&src) {
                Ok(e) => {
                    proptest::prop_assert_eq!(
                        e.why_false(&AllMissing).is_none(),
                        e.eval(&AllMissing)
                    );
                    let _ = e.check(&schema());
                    let _ = e.paths();
                }
                Err(err) => proptest::prop_assert!(err.column <= src.chars().count()),
            }
        }
    }
}
