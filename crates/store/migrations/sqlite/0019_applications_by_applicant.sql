-- A person's own applications (their home page, a renewal's checks, a search at the centre
-- by a whole ID number) were found by reading every application ever made: by applicant now.
CREATE INDEX applications_by_applicant ON applications (applicant_id);
