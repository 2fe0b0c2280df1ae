//! Type checking, evaluation and explanation of parsed conditions.

use super::{CmpOp, Env, Error, Expr, Falsehood, Kind, Node, Schema, Type, Value};
use std::cmp::Ordering;

/// How a type reads in a message: "`x` is a number".
fn describe(t: Type) -> &'static str {
    match t {
        Type::Bool => "a true/false value",
        Type::Number => "a number",
        Type::Text => "text",
    }
}

pub(super) fn check(expr: &Expr, schema: &dyn Schema) -> Result<(), Error> {
    let t = type_of(expr, &expr.root, schema)?;
    if t != Type::Bool {
        return Err(Error {
            column: expr.root.column,
            message: format!(
                "the condition must be true or false, but `{}` is {}",
                expr.text(&expr.root),
                describe(t)
            ),
        });
    }
    Ok(())
}

/// Check that `node` is a Bool because `op` needs one.
fn want_bool(expr: &Expr, node: &Node, schema: &dyn Schema, op: &str) -> Result<(), Error> {
    let t = type_of(expr, node, schema)?;
    if t != Type::Bool {
        return Err(Error {
            column: node.column,
            message: format!(
                "`{op}` needs true/false values, but `{}` is {}",
                expr.text(node),
                describe(t)
            ),
        });
    }
    Ok(())
}

fn type_of(expr: &Expr, node: &Node, schema: &dyn Schema) -> Result<Type, Error> {
    match &node.kind {
        Kind::Bool(_) => Ok(Type::Bool),
        Kind::Number(_) => Ok(Type::Number),
        Kind::Text(_) => Ok(Type::Text),
        Kind::Path(p) => schema.type_of(p).map_err(|message| Error {
            column: node.column,
            message,
        }),
        Kind::Not(inner) => {
            want_bool(expr, inner, schema, "!")?;
            Ok(Type::Bool)
        }
        Kind::And(items) | Kind::Or(items) => {
            let op = if matches!(node.kind, Kind::And(_)) {
                "&&"
            } else {
                "||"
            };
            for item in items {
                want_bool(expr, item, schema, op)?;
            }
            Ok(Type::Bool)
        }
        Kind::Cmp {
            op,
            op_column,
            left,
            right,
        } => {
            let lt = type_of(expr, left, schema)?;
            let rt = type_of(expr, right, schema)?;
            let ok = match op {
                CmpOp::Eq | CmpOp::Ne => lt == rt,
                _ => lt == rt && lt != Type::Bool,
            };
            if ok {
                return Ok(Type::Bool);
            }
            let sides = format!(
                "`{}` is {} and `{}` is {}",
                expr.text(left),
                describe(lt),
                expr.text(right),
                describe(rt)
            );
            let message = match op {
                CmpOp::Eq | CmpOp::Ne => format!(
                    "`{}` compares values of the same type, but {sides}",
                    op.symbol()
                ),
                _ => format!(
                    "`{}` compares two numbers or two texts, but {sides}",
                    op.symbol()
                ),
            };
            Err(Error {
                column: *op_column,
                message,
            })
        }
    }
}

/// The value of an operand of a comparison.
fn value(node: &Node, env: &dyn Env) -> Value {
    match &node.kind {
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Number(n) => Value::Number(*n),
        Kind::Text(s) => Value::Text(s.clone()),
        Kind::Path(p) => env.value(p),
        _ => Value::Bool(truth(node, env)),
    }
}

fn compare(op: CmpOp, left: &Value, right: &Value) -> bool {
    let ord = match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => Some(a.cmp(b)),
        // Missing, or mismatched types (only possible if the data disagrees with the
        // schema): no comparison holds.
        _ => return false,
    };
    // `None` only for NaN: like f64, nothing holds except `!=`.
    match (op, ord) {
        (CmpOp::Ne, None) => true,
        (_, None) => false,
        (CmpOp::Eq, Some(o)) => o == Ordering::Equal,
        (CmpOp::Ne, Some(o)) => o != Ordering::Equal,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

pub(super) fn truth(node: &Node, env: &dyn Env) -> bool {
    match &node.kind {
        Kind::Bool(b) => *b,
        Kind::Number(_) | Kind::Text(_) => false,
        Kind::Path(p) => matches!(env.value(p), Value::Bool(true)),
        Kind::Not(inner) => !truth(inner, env),
        Kind::And(items) => items.iter().all(|i| truth(i, env)),
        Kind::Or(items) => items.iter().any(|i| truth(i, env)),
        Kind::Cmp {
            op, left, right, ..
        } => compare(*op, &value(left, env), &value(right, env)),
    }
}

pub(super) fn why_false(expr: &Expr, env: &dyn Env) -> Option<Falsehood> {
    if truth(&expr.root, env) {
        None
    } else {
        Some(explain(expr, &expr.root, env, false))
    }
}

/// Why `node`, which evaluates to false (to true when `negated`), is so.
fn explain(expr: &Expr, node: &Node, env: &dyn Env, negated: bool) -> Falsehood {
    let whole = || Falsehood::Text {
        text: expr.text(node).to_owned(),
        negated,
    };
    match &node.kind {
        Kind::And(items) if !negated => match items.iter().find(|i| !truth(i, env)) {
            Some(item) => explain(expr, item, env, false),
            None => whole(),
        },
        // `!(a || b)` is false when one of them holds: say which.
        Kind::Or(items) if negated => match items.iter().find(|i| truth(i, env)) {
            Some(item) => explain(expr, item, env, true),
            None => whole(),
        },
        Kind::Path(p) => match env.value(p) {
            Value::Bool(_) => Falsehood::Flag {
                path: p.clone(),
                expected: !negated,
            },
            _ if negated => whole(),
            _ => Falsehood::Missing { path: p.clone() },
        },
        Kind::Bool(_) => Falsehood::Never {
            text: expr.text(node).to_owned(),
        },
        Kind::Not(inner) => explain(expr, inner, env, !negated),
        Kind::Cmp {
            op, left, right, ..
        } => {
            let op = if negated { op.negate() } else { *op };
            match (&left.kind, &right.kind) {
                (Kind::Path(p), other) if literal(other).is_some() => Falsehood::Compare {
                    path: p.clone(),
                    op: op.word(),
                    expected: literal(other).unwrap_or(Value::Missing),
                    actual: env.value(p),
                },
                (other, Kind::Path(p)) if literal(other).is_some() => Falsehood::Compare {
                    path: p.clone(),
                    op: op.flip().word(),
                    expected: literal(other).unwrap_or(Value::Missing),
                    actual: env.value(p),
                },
                _ => whole(),
            }
        }
        _ => whole(),
    }
}

/// The value of a literal operand.
fn literal(kind: &Kind) -> Option<Value> {
    match kind {
        Kind::Bool(b) => Some(Value::Bool(*b)),
        Kind::Number(n) => Some(Value::Number(*n)),
        Kind::Text(t) => Some(Value::Text(t.clone())),
        _ => None,
    }
}
