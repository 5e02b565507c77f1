-- Rule data published at run time (issue #14): each publication is a whole rule-data file
-- (a rule set, or the average-wage file) as it is from then on, with what it changes, its
-- effective date, source, confidence and who published it why. Nothing is updated or
-- deleted: the rule data in force is the embedded files with the latest publication of each
-- file in its place, and every earlier version stays readable.
CREATE TABLE rule_publications (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    source TEXT NOT NULL,
    confidence TEXT NOT NULL,
    reason TEXT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users (id),
    published_at BIGINT NOT NULL
);

-- A publication's rescoring of current points notices and open applications, in the
-- background: batches in id order after the cursors, each batch with its changes and
-- messages in one transaction, so a run resumes where it stopped and tells no one twice.
CREATE TABLE rescoring_runs (
    id BIGSERIAL PRIMARY KEY,
    publication_id BIGINT NOT NULL UNIQUE REFERENCES rule_publications (id),
    -- The rule data's version before the publication: what the totals are compared with.
    previous_version BIGINT NOT NULL,
    holders_total BIGINT NOT NULL,
    applications_total BIGINT NOT NULL,
    holders_after BIGINT NOT NULL DEFAULT 0,
    applications_after BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    lease_owner TEXT,
    lease_until BIGINT
);

CREATE TABLE rescoring_changes (
    run_id BIGINT NOT NULL REFERENCES rescoring_runs (id),
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES users (id),
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    before_total BIGINT NOT NULL,
    after_total BIGINT NOT NULL,
    standard BIGINT NOT NULL,
    PRIMARY KEY (run_id, subject, subject_id)
);
CREATE INDEX rescoring_changes_by_subject ON rescoring_changes (subject, subject_id);
