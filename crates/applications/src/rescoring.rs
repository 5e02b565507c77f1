//! Rescoring after a publication (issue #14): every current points notice (its verified
//! facts, on the date they were verified for) and every open application (its form, on its
//! scoring date) is scored with the rule data before and after the publication. What changes
//! is recorded; an open application's claimed total follows; a holder or applicant whose
//! standing against the standard changes is told by SMS, and so is their employer's contact.
//!
//! The work runs in the background, a batch at a time ([`RESCORING_BATCH`] subjects). A
//! batch's changes, totals and messages are written in the transaction that moves the run's
//! cursors, and only by the server that holds the run's lease at those cursors: a run that
//! stops (a crash, a restart) resumes at the first batch not written, and nothing is
//! recorded or sent twice.

use crate::error::ServiceError;
use crate::{Actor, Service, sms};
use chrono::NaiveDate;
use jifen_domain::application::score_claim;
use jifen_domain::form::Fields;
use jifen_ids::ResidentIdNumber;
use jifen_rules::{Context, Profile, RuleBook};
use jifen_store::prelude::*;
use jifen_store::{
    Application, HolderToRescore, Millis, RescoringChange, RescoringRun, RescoringStep, RulePublication, now_millis,
};

/// Subjects rescored per transaction.
pub const RESCORING_BATCH: i64 = 5_000;
/// How long a server holds a run before another may take it over.
pub const RESCORING_LEASE: Millis = 60_000;

/// A total that a publication moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreShift {
    /// The notice's or the application's id.
    pub subject_id: i64,
    pub person_id: UserId,
    /// Filled in for the rows a preview lists.
    pub person_name: String,
    pub employer_id: EmployerId,
    pub before: (i64, bool),
    pub after: (i64, bool),
}

/// What a publication would change for holders and open applications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shifts {
    pub holders: Vec<ScoreShift>,
    pub applications: Vec<ScoreShift>,
    pub holders_checked: usize,
    pub applications_checked: usize,
    pub holders_changed: usize,
    pub applications_changed: usize,
    /// Of those changed, how many cross the standard.
    pub crossing: usize,
}

/// A run with what it publishes and what it changed, for its page.
#[derive(Debug, Clone)]
pub struct RescoringReport {
    pub run: RescoringRun,
    pub publications: Vec<RulePublication>,
    pub changes: Vec<RescoringChange>,
}

/// The total and standing of `fields` scored with `book` on `as_of`; `None` when the facts
/// no longer make a valid claim (they are left as they are).
fn score(fields: &Fields, id_number: &str, as_of: NaiveDate, book: &RuleBook) -> Option<(i64, bool)> {
    let id_number = ResidentIdNumber::parse(id_number).ok()?;
    let (_, evaluation) = score_claim(fields, &id_number, as_of, book).ok()?;
    Some((evaluation.total, evaluation.reaches_standard))
}

/// Scores verified profiles with both books on the date each was verified for, split over
/// the machine's cores; the holders whose total or standing moves.
fn score_profiles(holders: &[HolderToRescore], books: [&RuleBook; 2]) -> Vec<ScoreShift> {
    let score_one = |holder: &HolderToRescore| -> Option<ScoreShift> {
        let profile = Profile::from_json(holder.profile.as_deref()?).ok()?;
        let context = Context::on(profile.as_of?);
        let totals = books.map(|book| {
            book.evaluate(&profile, &context).ok().map(|evaluation| (evaluation.total, evaluation.reaches_standard))
        });
        shift(holder.notice_id.get(), holder.holder_id, holder.employer_id, totals)
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads == 1 || holders.len() < 256 {
        return holders.iter().filter_map(score_one).collect();
    }
    let chunk = holders.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = holders
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().filter_map(score_one).collect::<Vec<_>>()))
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
    })
}

fn shift(
    subject_id: i64,
    person_id: UserId,
    employer_id: EmployerId,
    totals: [Option<(i64, bool)>; 2],
) -> Option<ScoreShift> {
    match totals {
        [Some(before), Some(after)] if before != after => {
            Some(ScoreShift { subject_id, person_id, person_name: String::new(), employer_id, before, after })
        }
        _ => None,
    }
}

impl Service {
    /// The verified facts of a notice, its holder's ID number and the date they were
    /// verified for.
    /// The shifts of a batch of holders. Verified profiles are scored on every core (a
    /// batch of 5 000 takes a few milliseconds); a notice issued before profiles were kept
    /// has its facts read from its application's events.
    async fn holder_shifts(
        &self,
        holders: Vec<HolderToRescore>,
        books: [&RuleBook; 2],
    ) -> Result<Vec<ScoreShift>, ServiceError> {
        let (with_profile, without): (Vec<_>, Vec<_>) = holders.into_iter().partition(|h| h.profile.is_some());
        let mut shifts = score_profiles(&with_profile, books);
        for holder in without {
            let Some(notice) = self.store.points_notice_of_application(holder.application_id).await? else {
                continue;
            };
            let fields = self.notice_facts(&notice).await?;
            let id_number = notice.details["id_number"].as_str().unwrap_or_default();
            let as_of = notice.details["as_of"]
                .as_str()
                .and_then(|date| jifen_rules::calendar::parse_date(date).ok())
                .unwrap_or_else(|| self.clock.today());
            let totals = books.map(|book| score(&fields, id_number, as_of, book));
            shifts.extend(shift(notice.id.get(), notice.holder_id, notice.employer_id, totals));
        }
        shifts.sort_by_key(|shift| shift.subject_id);
        Ok(shifts)
    }

    fn application_shift(
        &self,
        application: &Application,
        id_number: &str,
        books: [&RuleBook; 2],
    ) -> Option<ScoreShift> {
        let as_of = self.scoring_date(application);
        let totals = books.map(|book| score(&application.fields, id_number, as_of, book));
        shift(application.id.get(), application.applicant_id, application.employer_id, totals)
    }

    /// Every shift from `before` to `after`, listing at most `rows` of each kind.
    pub(crate) async fn shifts(
        &self,
        before: &RuleBook,
        after: &RuleBook,
        rows: usize,
    ) -> Result<Shifts, ServiceError> {
        let today = self.clock.today().to_string();
        let mut shifts = Shifts::default();
        let mut after_id = 0;
        loop {
            let holders = self.store.holders_to_rescore(after_id, &today, RESCORING_BATCH).await?;
            let Some(last) = holders.last() else { break };
            after_id = last.notice_id.get();
            shifts.holders_checked += holders.len();
            for shift in self.holder_shifts(holders, [before, after]).await? {
                shifts.holders_changed += 1;
                shifts.crossing += usize::from(shift.before.1 != shift.after.1);
                if shifts.holders.len() < rows {
                    shifts.holders.push(shift);
                }
            }
        }
        let mut after_id = 0;
        loop {
            let applications = self.store.applications_to_rescore(after_id, RESCORING_BATCH).await?;
            let Some((last, _)) = applications.last() else { break };
            after_id = last.id.get();
            for (application, id_number) in &applications {
                shifts.applications_checked += 1;
                if let Some(shift) = self.application_shift(application, id_number, [before, after]) {
                    shifts.applications_changed += 1;
                    shifts.crossing += usize::from(shift.before.1 != shift.after.1);
                    if shifts.applications.len() < rows {
                        shifts.applications.push(shift);
                    }
                }
            }
        }
        for shift in shifts.holders.iter_mut().chain(shifts.applications.iter_mut()) {
            shift.person_name = self.store.applicant(shift.person_id).await?.map(|a| a.name).unwrap_or_default();
        }
        Ok(shifts)
    }

    /// Works on unfinished runs, a batch at a time, until none is left (or `max_batches`
    /// batches are written); how many batches it wrote. `worker` names this server.
    ///
    /// While a batch is being written, the next one is read and scored: the writing takes
    /// the database's writer and the scoring the cores, so each waits less for the other.
    /// The batch read ahead is used only if the run's cursors, claimed again, are where it
    /// begins; otherwise it is read again from there.
    pub async fn continue_rescoring(&self, worker: &str, max_batches: Option<usize>) -> Result<usize, ServiceError> {
        let mut written = 0;
        let mut ahead: Option<RescoringStep> = None;
        while max_batches.is_none_or(|max| written < max) {
            let Some(run) = self.store.claim_rescoring(worker, now_millis(), self.rescoring_lease).await? else {
                break;
            };
            let books = [self.book_at(run.previous_version).await?, self.book_at(run.publication_id.get()).await?];
            let step = match ahead.take() {
                Some(step) if step.run_id == run.id && step.from == (run.holders_after, run.applications_after) => step,
                _ => self.rescoring_step(&run, books).await?,
            };
            let next_run = RescoringRun { holders_after: step.to.0, applications_after: step.to.1, ..run.clone() };
            let last_wanted = step.finished || max_batches.is_some_and(|max| written + 1 >= max);
            let store = self.store.clone();
            let writer = worker.to_owned();
            let writing = tokio::spawn(async move { store.record_rescoring(&step, &writer, now_millis()).await });
            let next = if last_wanted { None } else { Some(self.rescoring_step(&next_run, books).await) };
            let recorded = writing.await.map_err(|e| ServiceError::Internal(format!("rescoring write: {e}")))?;
            match recorded {
                Ok(()) => written += 1,
                // Another server took the run over meanwhile; it goes on from where it is.
                Err(jifen_store::StoreError::Conflict(_)) => break,
                Err(other) => return Err(other.into()),
            }
            ahead = next.transpose()?;
        }
        Ok(written)
    }

    /// The next batch of a run: notices first, then open applications.
    async fn rescoring_step(&self, run: &RescoringRun, books: [&RuleBook; 2]) -> Result<RescoringStep, ServiceError> {
        let from = (run.holders_after, run.applications_after);
        let mut step = RescoringStep {
            run_id: run.id,
            from,
            to: from,
            count: 0,
            changes: Vec::new(),
            claimed_totals: Vec::new(),
            messages: Vec::new(),
            finished: false,
        };
        let today = self.clock.today().to_string();
        let holders = if run.holders_after >= 0 {
            self.store.holders_to_rescore(run.holders_after, &today, RESCORING_BATCH).await?
        } else {
            Vec::new()
        };
        if let Some(last) = holders.last() {
            step.to.0 = last.notice_id.get();
            step.count = holders.len() as i64;
            let shifts = self.holder_shifts(holders, books).await?;
            self.record_shifts(&mut step, "holder", &shifts).await?;
            return Ok(step);
        }
        // Notices are done (-1 marks it, so that one issued meanwhile is not taken for the
        // next batch of the same run).
        step.to.0 = -1;
        let applications = self.store.applications_to_rescore(run.applications_after, RESCORING_BATCH).await?;
        match applications.last() {
            Some((last, _)) => {
                step.to.1 = last.id.get();
                step.count = applications.len() as i64;
                let shifts: Vec<ScoreShift> = applications
                    .iter()
                    .filter_map(|(application, id_number)| self.application_shift(application, id_number, books))
                    .collect();
                step.claimed_totals
                    .extend(shifts.iter().map(|shift| (ApplicationId::new(shift.subject_id), shift.after.0)));
                self.record_shifts(&mut step, "application", &shifts).await?;
            }
            None => step.finished = true,
        }
        Ok(step)
    }

    /// Adds a batch's shifts to it as changes, with the SMS to each person whose standing
    /// changes and to their employer's contact (whom to tell is read in one go).
    async fn record_shifts(
        &self,
        step: &mut RescoringStep,
        subject: &str,
        shifts: &[ScoreShift],
    ) -> Result<(), ServiceError> {
        let crossing: Vec<&ScoreShift> = shifts.iter().filter(|shift| shift.before.1 != shift.after.1).collect();
        let people: Vec<UserId> = crossing.iter().map(|shift| shift.person_id).collect();
        let mut employers: Vec<EmployerId> = crossing.iter().map(|shift| shift.employer_id).collect();
        employers.sort_unstable();
        employers.dedup();
        let contacts = if crossing.is_empty() {
            jifen_store::Contacts::default()
        } else {
            self.store.rescoring_contacts(&people, &employers).await?
        };
        for shift in shifts {
            let standard = i64::from(shift.after.1) - i64::from(shift.before.1);
            step.changes.push(RescoringChange {
                subject: subject.to_string(),
                subject_id: shift.subject_id,
                person_id: shift.person_id,
                person_name: None,
                employer_id: shift.employer_id,
                before_total: shift.before.0,
                after_total: shift.after.0,
                standard,
            });
            let Some((name, mobile)) = contacts.people.get(&shift.person_id).filter(|_| standard != 0) else {
                continue;
            };
            let template = if standard > 0 { "rescored_reached" } else { "rescored_below" };
            let (before, after) = (shift.before.0.to_string(), shift.after.0.to_string());
            let values = [("name", name.as_str()), ("before", before.as_str()), ("after", after.as_str())];
            let Some(body) = self.workflow.render(template, &values) else { continue };
            let employer = contacts.employers.get(&shift.employer_id);
            for (whom, mobile) in std::iter::once(("person", mobile)).chain(employer.map(|m| ("employer", m))) {
                let key = format!("rescored-{}-{subject}-{}-{whom}", step.run_id, shift.subject_id);
                step.messages.push(sms(key, mobile, body.clone(), None));
            }
        }
        Ok(())
    }

    /// The background rescoring inside `jifen serve`: every `every`, the rule data is
    /// refreshed and any unfinished run is carried on (one this server or another left).
    pub async fn run_rescoring(
        self,
        worker: String,
        mut stop: tokio::sync::watch::Receiver<bool>,
        every: std::time::Duration,
    ) {
        loop {
            if let Err(error) = self.refresh_rules().await {
                tracing::warn!(%error, "rescoring: could not check the rule data");
            }
            match self.continue_rescoring(&worker, None).await {
                Ok(0) => {}
                Ok(batches) => tracing::info!(batches, "rescoring: batches written"),
                Err(error) => tracing::warn!(%error, "rescoring: a batch failed; it is tried again"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Every run, the newest first.
    pub async fn rescoring_runs(&self, actor: &Actor) -> Result<Vec<RescoringRun>, ServiceError> {
        Self::administrator(actor)?;
        Ok(self.store.rescoring_runs().await?)
    }

    /// A run, what it publishes and what it changed so far.
    pub async fn rescoring_report(
        &self,
        actor: &Actor,
        run_id: RescoringRunId,
    ) -> Result<RescoringReport, ServiceError> {
        Self::administrator(actor)?;
        let run = self.store.rescoring_run(run_id).await?.ok_or(ServiceError::NotFound)?;
        let publications = self
            .store
            .rule_publications()
            .await?
            .into_iter()
            .filter(|p| p.id.get() > run.previous_version && p.id <= run.publication_id)
            .collect();
        let changes = self.store.rescoring_changes(run_id).await?;
        Ok(RescoringReport { run, publications, changes })
    }

    /// A holder's points as the latest rescoring left them, when one changed them.
    pub async fn rescored_total(&self, notice_id: NoticeId) -> Result<Option<i64>, ServiceError> {
        Ok(self.store.rescored_total(notice_id).await?.map(|(total, _)| total))
    }
}
