//! An environment's account guard: a command working in an environment
//! with `account:` refuses, before it reads or changes anything else, when
//! the credentials in use belong to another account.

use super::cloudformation::{CloudFormation, Identity};
use super::plan::dx;
use super::refusal::Refusal;
use super::regions::Regions;
use crate::config::environments::Active;
use crate::error::Error;
use crate::synthesis::Synthesized;

/// Refuses when `synth` was made for an environment with an account guard
/// and the credentials in use (asked in the region of its first stack)
/// belong to another account. Nothing is asked without a guard.
pub async fn check<C: CloudFormation>(
    regions: &Regions<C>,
    synth: &Synthesized,
) -> Result<(), Error> {
    if synth
        .environment
        .as_ref()
        .is_none_or(|e| e.account.is_none())
    {
        return Ok(());
    }
    let region = synth
        .expansion
        .stacks
        .first()
        .map(|s| s.region.to_string())
        .unwrap_or_else(|| synth.expansion.project.region.to_string());
    check_with(regions.get(&region)?, synth.environment.as_ref()).await
}

/// Refuses when `env` has an account guard and `client`'s credentials
/// belong to another account (`bootstrap --env`, and [`check`]).
pub async fn check_with<C: Identity>(client: &C, env: Option<&Active>) -> Result<(), Error> {
    let Some(env) = env else {
        return Ok(());
    };
    let Some(expected) = &env.account else {
        return Ok(());
    };
    let actual = client.caller_account().await.map_err(dx)?;
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
