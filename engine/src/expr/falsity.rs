//! Which part of a false condition is false, as data: the path and, for a
//! comparison, the operator and the bound it was compared with. Callers
//! that know what a path means (the chair's decision panel) turn it into
//! figures and words of their own; nothing here is a sentence.

use super::eval::truth;
use super::{CmpOp, Env, Expr, Kind, Node};

/// A comparison operator, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Compare {
    fn of(op: CmpOp) -> Compare {
        match op {
            CmpOp::Eq => Compare::Eq,
            CmpOp::Ne => Compare::Ne,
            CmpOp::Lt => Compare::Lt,
            CmpOp::Le => Compare::Le,
            CmpOp::Gt => Compare::Gt,
            CmpOp::Ge => Compare::Ge,
        }
    }

    /// The operator read the other way round (`3 <= x` is `x >= 3`).
    fn flipped(self) -> Compare {
        match self {
            Compare::Lt => Compare::Gt,
            Compare::Le => Compare::Ge,
            Compare::Gt => Compare::Lt,
            Compare::Ge => Compare::Le,
            same => same,
        }
    }
}

/// The part of a false condition that makes it false.
#[derive(Debug, Clone, PartialEq)]
pub enum FalsePart {
    /// A yes/no path that is false (or, `negated`, one that is true
    /// where the condition says `!path`).
    Path {
        /// The dotted path, e.g. `["assessment", "passed"]`.
        path: Vec<String>,
        /// Written as `!path`: the path is true.
        negated: bool,
    },
    /// A path compared with a number, e.g. `assessment.count >= 2`, read
    /// with the path on the left.
    Number {
        /// The dotted path.
        path: Vec<String>,
        /// The operator, with the path on its left.
        op: Compare,
        /// The number it is compared with.
        bound: f64,
    },
    /// Anything else (an `||`, two paths compared, text): the condition's
    /// text of that part, as the definition writes it.
    Other {
        /// The part's text.
        text: String,
    },
}

impl Expr {
    /// The part that makes this condition false in `env`, or `None` when it
    /// holds. Of an `&&`, its first false operand.
    pub fn false_part(&self, env: &dyn Env) -> Option<FalsePart> {
        if truth(&self.root, env) {
            return None;
        }
        let mut node = &self.root;
        while let Kind::And(items) = &node.kind {
            match items.iter().find(|i| !truth(i, env)) {
                Some(item) => node = item,
                None => break,
            }
        }
        Some(self.part(node))
    }

    fn part(&self, node: &Node) -> FalsePart {
        let other = || FalsePart::Other {
            text: self.text(node).to_owned(),
        };
        match &node.kind {
            Kind::Path(path) => FalsePart::Path {
                path: path.clone(),
                negated: false,
            },
            Kind::Not(inner) => match &inner.kind {
                Kind::Path(path) => FalsePart::Path {
                    path: path.clone(),
                    negated: true,
                },
                _ => other(),
            },
            Kind::Cmp {
                op, left, right, ..
            } => match (&left.kind, &right.kind) {
                (Kind::Path(path), Kind::Number(n)) => FalsePart::Number {
                    path: path.clone(),
                    op: Compare::of(*op),
                    bound: *n,
                },
                (Kind::Number(n), Kind::Path(path)) => FalsePart::Number {
                    path: path.clone(),
                    op: Compare::of(*op).flipped(),
                    bound: *n,
                },
                _ => other(),
            },
            _ => other(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Value;

    struct Data(Vec<(&'static str, Value)>);

    impl Env for Data {
        fn value(&self, path: &[String]) -> Value {
            let joined = path.join(".");
            self.0
                .iter()
                .find(|(p, _)| *p == joined)
                .map_or(Value::Missing, |(_, v)| v.clone())
        }
    }

    fn path(s: &str) -> Vec<String> {
        s.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn the_first_false_operand_of_an_and_is_given_as_data() {
        let fail = Expr::parse("assessment.count >= 2 && !assessment.passed").unwrap();
        let one_card = Data(vec![
            ("assessment.count", Value::Number(1.0)),
            ("assessment.passed", Value::Bool(false)),
        ]);
        assert_eq!(
            fail.false_part(&one_card),
            Some(FalsePart::Number {
                path: path("assessment.count"),
                op: Compare::Ge,
                bound: 2.0
            })
        );
        let passing = Data(vec![
            ("assessment.count", Value::Number(2.0)),
            ("assessment.passed", Value::Bool(true)),
        ]);
        assert_eq!(
            fail.false_part(&passing),
            Some(FalsePart::Path {
                path: path("assessment.passed"),
                negated: true
            })
        );
        let failing = Data(vec![
            ("assessment.count", Value::Number(2.0)),
            ("assessment.passed", Value::Bool(false)),
        ]);
        assert_eq!(fail.false_part(&failing), None);
        let flipped = Expr::parse("3 <= assessment.count").unwrap();
        assert_eq!(
            flipped.false_part(&one_card),
            Some(FalsePart::Number {
                path: path("assessment.count"),
                op: Compare::Ge,
                bound: 3.0
            })
        );
        let either = Expr::parse("assessment.passed || assessment.count > 5").unwrap();
        assert_eq!(
            either.false_part(&one_card),
            Some(FalsePart::Other {
                text: "assessment.passed || assessment.count > 5".into()
            })
        );
    }
}
