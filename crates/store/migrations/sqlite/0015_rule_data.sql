-- Rule data published at run time (issue #14): each publication is a whole rule-data file
-- (a rule set, or the average-wage file) as it is from then on, with what it changes, its
-- effective date, source, confidence and who published it why. Nothing is updated or
-- deleted: the rule data in force is the embedded files with the latest publication of each
-- file in its place, and every earlier version stays readable.
CREATE TABLE rule_publications (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    source TEXT NOT NULL,
    confidence TEXT NOT NULL,
    reason TEXT NOT NULL,
    published_by INTEGER NOT NULL REFERENCES users (id),
    published_at INTEGER NOT NULL
);

-- A publication's rescoring of current points notices and open applications, in the
-- background: batches in id order after the cursors, each batch with its changes and
-- messages in one transaction, so a run resumes where it stopped and tells no one twice.
CREATE TABLE rescoring_runs (
    id INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL UNIQUE REFERENCES rule_publications (id),
    -- The rule data's version before the publication: what the totals are compared with.
    previous_version INTEGER NOT NULL,
    holders_total INTEGER NOT NULL,
    applications_total INTEGER NOT NULL,
    holders_after INTEGER NOT NULL DEFAULT 0,
    applications_after INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER
);

CREATE TABLE rescoring_changes (
    run_id INTEGER NOT NULL REFERENCES rescoring_runs (id),
    subject TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES users (id),
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    before_total INTEGER NOT NULL,
    after_total INTEGER NOT NULL,
    standard INTEGER NOT NULL,
    PRIMARY KEY (run_id, subject, subject_id)
);
CREATE INDEX rescoring_changes_by_subject ON rescoring_changes (subject, subject_id);
