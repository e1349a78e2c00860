//! The stages of a load and the time each took: reading and checking the rows, writing them,
//! and, when the table was loaded in one transaction (a bulk load), building its indexes,
//! checking its keys and committing. The stages add up to the load's wall time.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// What a load is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadStage {
    /// Reading, parsing and validating rows, and checking them against what is stored (the
    /// time not spent writing while the file streams).
    ReadAndCheck,
    /// Writing rows and rejects.
    Write,
    /// Building the table's indexes (a bulk load sets them aside while it writes).
    IndexBuild,
    /// Checking the table's foreign keys (a bulk load sets them aside while it writes).
    KeyCheck,
    /// Committing.
    Commit,
}

impl LoadStage {
    /// Every stage, in the order a load goes through them.
    pub const ALL: [Self; 5] = [
        Self::ReadAndCheck,
        Self::Write,
        Self::IndexBuild,
        Self::KeyCheck,
        Self::Commit,
    ];

    /// The stage's name in JSON (`read_and_check`, `index_build`...).
    pub fn name(self) -> &'static str {
        match self {
            Self::ReadAndCheck => "read_and_check",
            Self::Write => "write",
            Self::IndexBuild => "index_build",
            Self::KeyCheck => "key_check",
            Self::Commit => "commit",
        }
    }

    /// What a progress line says during the stage.
    pub fn doing(self) -> &'static str {
        match self {
            Self::ReadAndCheck => "reading and checking",
            Self::Write => "writing",
            Self::IndexBuild => "building indexes",
            Self::KeyCheck => "checking keys",
            Self::Commit => "committing",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::ReadAndCheck => 0,
            Self::Write => 1,
            Self::IndexBuild => 2,
            Self::KeyCheck => 3,
            Self::Commit => 4,
        }
    }
}

impl std::fmt::Display for LoadStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The time a load spent in each stage. As JSON, an object of seconds by stage name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimes([Duration; 5]);

impl StageTimes {
    /// The time spent in `stage`.
    pub fn get(&self, stage: LoadStage) -> Duration {
        self.0[stage.index()]
    }

    /// Adds `time` to `stage`.
    pub fn add(&mut self, stage: LoadStage, time: Duration) {
        self.0[stage.index()] += time;
    }

    /// Every stage with its time, in order.
    pub fn iter(&self) -> impl Iterator<Item = (LoadStage, Duration)> + '_ {
        LoadStage::ALL.into_iter().map(|s| (s, self.get(s)))
    }

    /// The sum of the stages.
    pub fn total(&self) -> Duration {
        self.0.iter().sum()
    }

    /// Adds every stage of `other`.
    pub fn add_all(&mut self, other: &StageTimes) {
        for (stage, time) in other.iter() {
            self.add(stage, time);
        }
    }
}

impl serde::Serialize for StageTimes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(LoadStage::ALL.len()))?;
        for (stage, time) in self.iter() {
            map.serialize_entry(stage.name(), &time.as_secs_f64())?;
        }
        map.end()
    }
}

/// Told as each stage of a load begins.
pub trait StageListener {
    /// `stage` begins now.
    fn enter(&self, stage: LoadStage);
}

impl<F: Fn(LoadStage)> StageListener for F {
    fn enter(&self, stage: LoadStage) {
        self(stage);
    }
}

/// Times the stages a bulk load's `finish` announces: each lasts until the next is announced
/// or the clock is stopped.
pub(crate) struct StageClock<'a> {
    current: Cell<Option<(LoadStage, Instant)>>,
    times: Cell<StageTimes>,
    announce: &'a dyn Fn(LoadStage),
}

impl<'a> StageClock<'a> {
    /// A clock telling `announce` of each stage entered.
    pub(crate) fn new(announce: &'a dyn Fn(LoadStage)) -> Self {
        Self {
            current: Cell::new(None),
            times: Cell::new(StageTimes::default()),
            announce,
        }
    }

    /// Ends the current stage and returns every stage's time.
    pub(crate) fn stop(self) -> StageTimes {
        self.close();
        self.times.get()
    }

    fn close(&self) {
        if let Some((stage, since)) = self.current.take() {
            let mut times = self.times.get();
            times.add(stage, since.elapsed());
            self.times.set(times);
        }
    }
}

impl StageListener for StageClock<'_> {
    /// `stage` starts now; the one before ends.
    fn enter(&self, stage: LoadStage) {
        self.close();
        self.current.set(Some((stage, Instant::now())));
        (self.announce)(stage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn each_stage_lasts_until_the_next_and_is_announced() {
        let announced = RefCell::new(Vec::new());
        let announce = |s: LoadStage| announced.borrow_mut().push(s);
        let clock = StageClock::new(&announce);
        clock.enter(LoadStage::IndexBuild);
        std::thread::sleep(Duration::from_millis(20));
        clock.enter(LoadStage::Commit);
        std::thread::sleep(Duration::from_millis(5));
        let times = clock.stop();
        assert_eq!(
            *announced.borrow(),
            [LoadStage::IndexBuild, LoadStage::Commit]
        );
        assert!(times.get(LoadStage::IndexBuild) >= Duration::from_millis(20));
        assert!(times.get(LoadStage::Commit) >= Duration::from_millis(5));
        assert_eq!(times.get(LoadStage::KeyCheck), Duration::ZERO);
    }

    #[test]
    fn times_serialize_as_seconds_by_stage_name() {
        let mut times = StageTimes::default();
        times.add(LoadStage::Write, Duration::from_millis(1500));
        let json = serde_json::to_value(times).unwrap();
        assert_eq!(json["write"], 1.5);
        assert_eq!(json["read_and_check"], 0.0);
        assert_eq!(json.as_object().unwrap().len(), 5);
        assert_eq!(times.total(), Duration::from_millis(1500));
    }
}

#[cfg(test)]
#[path = "load_stages_tests.rs"]
mod load_tests;
