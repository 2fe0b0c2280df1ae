//! A comparison operator as data, for callers that turn a false
//! condition ([`super::Falsehood`]) into figures of their own (the chair's
//! decision panel).

use super::CmpOp;

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

    /// The operator a [`super::Falsehood::Compare`] names by its word.
    pub fn of_word(word: &str) -> Option<Compare> {
        [
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ]
        .into_iter()
        .find(|op| op.word() == word)
        .map(Compare::of)
    }
}
