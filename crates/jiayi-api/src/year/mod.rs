//! A household's year: residents corrected, groups with dates, members joining and leaving,
//! households moving and splitting, and the amendments that make contracts follow them. The
//! rules are `jiayi_core::year`'s; here they are fed from the store and their records written in
//! one transaction per operation.

mod amend;
mod field_history;
mod history;
mod members;
mod moves;
mod residents;
mod views;

pub use history::leave_label;

/// The clock a record carries until the store writes it: the store stamps every record with
/// the clock of its own write.
pub(crate) fn unstamped() -> jiayi_core::hlc::Hlc {
    jiayi_core::hlc::Hlc::zero(uuid::Uuid::nil())
}
pub use views::{
    AmendRequest, AmendmentSigning, ChangedRecord, ContractHistory, CoveredToday, FieldChangeView,
    GroupEnd, GroupOutcome, GroupStart, HeadChange, HistoryEntry, HouseholdMove,
    HouseholdMoveOutcome, HouseholdSplit, HouseholdSplitOutcome, JoinKind, LeaveKind, LeftView,
    MemberAdd, MemberAddOutcome, MemberLeave, MemberLeaveOutcome, MemberYear, ResidentEdit,
    SplitMember,
};
