//! A validated set of checks, ordered so that every check comes after its dependencies.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use wpj_core::{Check, CheckId};

/// Why a set of checks cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Two checks share an id.
    #[error("two checks have the id {0:?}")]
    DuplicateId(CheckId),
    /// A check depends on an id no check in the plan has.
    #[error("check {check:?} depends on {missing:?}, which is not in the plan")]
    UnknownDependency {
        /// The check declaring the dependency.
        check: CheckId,
        /// The id that is missing.
        missing: CheckId,
    },
    /// Dependencies form a cycle.
    #[error("checks depend on each other in a cycle: {}", cycle.iter().map(CheckId::as_str).collect::<Vec<_>>().join(" → "))]
    Cycle {
        /// The checks caught in the cycle.
        cycle: Vec<CheckId>,
    },
}

/// Checks in dependency order, ready for the [`Runner`](crate::Runner).
///
/// The order is stable: among checks whose dependencies are met, the one given first comes first,
/// so a plan given in the order Windows takes the steps reports in that order.
#[derive(Clone)]
pub struct Plan {
    pub(crate) checks: Vec<Arc<dyn Check>>,
    /// For each check, the indexes of its dependencies.
    pub(crate) deps: Vec<Vec<usize>>,
    /// For each check, its dependencies and theirs: direct ones first, then breadth-first.
    pub(crate) ancestors: Vec<Vec<usize>>,
}

impl Plan {
    /// Validates the checks (unique ids, known dependencies, no cycles) and orders them.
    pub fn new(checks: Vec<Box<dyn Check>>) -> Result<Self, PlanError> {
        let checks: Vec<Arc<dyn Check>> = checks.into_iter().map(Arc::from).collect();
        let mut index = HashMap::new();
        for (i, c) in checks.iter().enumerate() {
            if index.insert(c.id(), i).is_some() {
                return Err(PlanError::DuplicateId(c.id()));
            }
        }
        let mut deps = Vec::with_capacity(checks.len());
        for c in &checks {
            let mut d = Vec::new();
            for dep in c.depends_on() {
                let &j = index.get(dep).ok_or_else(|| PlanError::UnknownDependency {
                    check: c.id(),
                    missing: dep.clone(),
                })?;
                d.push(j);
            }
            deps.push(d);
        }
        let order = topological_order(&deps).map_err(|stuck| PlanError::Cycle {
            cycle: stuck.into_iter().map(|i| checks[i].id()).collect(),
        })?;
        // Re-index everything in plan order.
        let mut position = vec![0; checks.len()];
        for (pos, &i) in order.iter().enumerate() {
            position[i] = pos;
        }
        let deps: Vec<Vec<usize>> = order
            .iter()
            .map(|&i| deps[i].iter().map(|&j| position[j]).collect())
            .collect();
        let ancestors = (0..deps.len()).map(|i| ancestors_of(&deps, i)).collect();
        let checks = order.iter().map(|&i| Arc::clone(&checks[i])).collect();
        Ok(Self {
            checks,
            deps,
            ancestors,
        })
    }

    /// The checks, in plan order.
    pub fn checks(&self) -> impl Iterator<Item = &dyn Check> {
        self.checks.iter().map(AsRef::as_ref)
    }

    /// The ids, in plan order.
    #[must_use]
    pub fn ids(&self) -> Vec<CheckId> {
        self.checks.iter().map(|c| c.id()).collect()
    }

    /// The number of checks.
    #[must_use]
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// True when the plan has no checks.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

/// Every check `i` depends on, directly or not: direct dependencies first, then breadth-first.
fn ancestors_of(deps: &[Vec<usize>], i: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut queue: std::collections::VecDeque<usize> = deps[i].iter().copied().collect();
    while let Some(j) = queue.pop_front() {
        if !out.contains(&j) {
            out.push(j);
            queue.extend(deps[j].iter().copied());
        }
    }
    out
}

/// Kahn's algorithm, always taking the lowest ready index; on a cycle, the indexes left over.
fn topological_order(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents = vec![Vec::new(); deps.len()];
    for (i, d) in deps.iter().enumerate() {
        for &j in d {
            dependents[j].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..deps.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &k in &dependents[i] {
            waiting[k] -= 1;
            if waiting[k] == 0 {
                ready.insert(k);
            }
        }
    }
    if order.len() == deps.len() {
        Ok(order)
    } else {
        Err((0..deps.len()).filter(|i| !order.contains(i)).collect())
    }
}
