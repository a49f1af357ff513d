//! Rewiring references as the split decides: each `Ref`, `Fn::GetAtt` and
//! `Fn::Sub` variable offered to the caller through the one walker
//! ([`crate::cfn::walk`]).

use crate::cfn::intrinsic::{Intrinsic, PSEUDO_PARAMETERS};
use crate::cfn::walk::{rewrite_references, ReferenceKind, Walk};

/// What a reference becomes.
pub(super) enum Replacement {
    /// `Ref` to a parameter.
    Param(String),
    /// An attribute of a resource (`Outputs.<name>` of a stack).
    Attr(String, String),
}

/// Replaces each `Ref`, `Fn::GetAtt` and `Fn::Sub` variable in `value` for
/// which `f(target, attribute)` returns a replacement; pseudo parameters stay.
pub(super) fn rewrite<W: Walk + ?Sized>(
    value: &mut W,
    f: &mut dyn FnMut(&str, Option<&str>) -> Option<Replacement>,
) {
    rewrite_references(value, |site| {
        let pseudo = match site.kind {
            ReferenceKind::Ref => PSEUDO_PARAMETERS.contains(&site.target),
            ReferenceKind::Sub => site.target.starts_with("AWS::"),
            ReferenceKind::GetAtt => false,
        };
        if pseudo {
            return None;
        }
        f(site.target, site.attribute).map(|r| match r {
            Replacement::Param(p) => Intrinsic::Ref(p),
            Replacement::Attr(id, attr) => Intrinsic::GetAtt(id, attr),
        })
    });
}
