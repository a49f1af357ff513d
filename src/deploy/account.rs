//! An environment's account guard: a command working in an environment
//! with `account:` refuses, before it reads or changes anything else, when
//! the credentials in use belong to another account.

use super::cloudformation::CloudFormation;
use super::plan::dx;
use super::refusal::Refusal;
use super::regions::Regions;
use crate::error::Error;
use crate::synthesis::Synthesized;

/// Refuses when `synth` was made for an environment with an account guard
/// and the credentials in use (asked in the region of its first stack)
/// belong to another account. Nothing is asked without a guard.
pub async fn check<C: CloudFormation>(
    regions: &Regions<C>,
    synth: &Synthesized,
) -> Result<(), Error> {
    let Some(env) = &synth.environment else {
        return Ok(());
    };
    let Some(expected) = &env.account else {
        return Ok(());
    };
    let region = synth
        .expansion
        .stacks
        .first()
        .map(|s| s.region.to_string())
        .unwrap_or_else(|| synth.expansion.project.region.to_string());
    let actual = regions.get(&region)?.caller_account().await.map_err(dx)?;
    if actual == expected.as_str() {
        return Ok(());
    }
    Err(Refusal::WrongAccount {
        environment: env.name.to_string(),
        expected: expected.to_string(),
        actual,
    }
    .into())
}
