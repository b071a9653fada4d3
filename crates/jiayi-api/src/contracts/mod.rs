//! Signing, renewing, changing doctor and terminating contracts: the requests and outcomes in
//! [`views`], signing in [`sign`], and what follows a signature in [`lifecycle`].

mod lifecycle;
mod sign;
mod views;

pub use lifecycle::status_label;
pub(crate) use sign::{package_terms, party_a};
pub use views::{
    AutoRenewed, ChangeDoctorRequest, ContractSummary, DeclineRenewalRequest, GuardianSignatory,
    MemberChoice, RenewOutcome, SignOutcome, SignRequest, TerminateOutcome, TerminateRequest,
};
