-- Two-way referral (双向转诊) and the yearly satisfaction survey (满意度调查). All three are
-- written once and never changed: a referral back is its own row naming the referral out it
-- closes. `json` holds the core's record (jiayi_core::referral / jiayi_core::survey); the other
-- columns are what the household page and the reports look records up by.

CREATE TABLE referrals_out (
    id            TEXT PRIMARY KEY,
    resident_id   TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    referred_on   TEXT NOT NULL,
    json          TEXT NOT NULL,          -- jiayi_core::referral::ReferralOut
    hlc           TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX referrals_out_household ON referrals_out (household_id, referred_on);
CREATE INDEX referrals_out_resident ON referrals_out (resident_id);

CREATE TABLE referrals_back (
    id            TEXT PRIMARY KEY,
    referral_id   TEXT NOT NULL,          -- the referral out it closes
    resident_id   TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    returned_on   TEXT NOT NULL,
    json          TEXT NOT NULL,          -- jiayi_core::referral::ReferralBack
    hlc           TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX referrals_back_referral ON referrals_back (referral_id);
CREATE INDEX referrals_back_household ON referrals_back (household_id, returned_on);

CREATE TABLE satisfaction_surveys (
    id                   TEXT PRIMARY KEY,
    household_id         TEXT NOT NULL,
    contract_id          TEXT NOT NULL,
    contract_year_start  TEXT NOT NULL,   -- first day of the term the survey belongs to
    surveyed_on          TEXT NOT NULL,
    json                 TEXT NOT NULL,   -- jiayi_core::survey::SatisfactionSurvey
    hlc                  TEXT NOT NULL,
    created_at           TEXT NOT NULL
);
CREATE INDEX satisfaction_surveys_household ON satisfaction_surveys (household_id, contract_year_start);

CREATE TRIGGER referrals_out_are_written_once BEFORE UPDATE ON referrals_out
BEGIN SELECT RAISE(ABORT, 'referrals are never changed'); END;
CREATE TRIGGER referrals_back_are_written_once BEFORE UPDATE ON referrals_back
BEGIN SELECT RAISE(ABORT, 'referrals are never changed'); END;
CREATE TRIGGER satisfaction_surveys_are_written_once BEFORE UPDATE ON satisfaction_surveys
BEGIN SELECT RAISE(ABORT, 'surveys are never changed'); END;
CREATE TRIGGER referrals_out_are_kept BEFORE DELETE ON referrals_out
BEGIN SELECT RAISE(ABORT, 'referrals are never deleted'); END;
CREATE TRIGGER referrals_back_are_kept BEFORE DELETE ON referrals_back
BEGIN SELECT RAISE(ABORT, 'referrals are never deleted'); END;
CREATE TRIGGER satisfaction_surveys_are_kept BEFORE DELETE ON satisfaction_surveys
BEGIN SELECT RAISE(ABORT, 'surveys are never deleted'); END;

-- A part of its own for the reports that read these, moved by every insert.
INSERT INTO data_versions (part) VALUES ('services');
CREATE TRIGGER referrals_out_insert_moves_services AFTER INSERT ON referrals_out
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'services'; END;
CREATE TRIGGER referrals_back_insert_moves_services AFTER INSERT ON referrals_back
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'services'; END;
CREATE TRIGGER satisfaction_surveys_insert_moves_services AFTER INSERT ON satisfaction_surveys
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'services'; END;
