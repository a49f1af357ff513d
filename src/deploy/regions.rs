//! One client per region: a blueprint's stacks may live in several regions.

use std::collections::BTreeMap;

use crate::error::Error;

/// Clients by region name.
pub struct Regions<C> {
    clients: BTreeMap<String, C>,
}

impl<C> Regions<C> {
    pub fn new(clients: BTreeMap<String, C>) -> Self {
        Regions { clients }
    }

    /// One client for every region (tests: a fake that holds all stacks).
    pub fn single(region: &str, client: C) -> Self {
        let mut clients = BTreeMap::new();
        clients.insert(region.to_string(), client);
        Regions { clients }
    }

    /// The client of `region`.
    pub fn get(&self, region: &str) -> Result<&C, Error> {
        self.clients
            .get(region)
            .or_else(|| {
                (self.clients.len() == 1)
                    .then(|| self.clients.values().next())
                    .flatten()
            })
            .ok_or_else(|| Error::Internal(format!("no client for region {region}")))
    }
}
