//! The wall-time budget of a read-only call: an inspector that stops the interpreter once the budget is spent, so
//! a looping 50M-gas call cannot hold a worker for longer than its budget.
use std::cell::Cell;
use std::time::{Duration, Instant};

use revm::interpreter::{InstructionResult, Interpreter, InterpreterTypes};
use revm::Inspector;

use crate::CallError;

/// Opcodes between clock reads: `Instant::now()` costs about as much as a few dozen cheap opcodes.
const STEPS_PER_CHECK: u32 = 4096;

/// When a call (or a whole estimate) must stop, and whether it was stopped.
pub(crate) struct Deadline {
    budget: Option<(Instant, Duration)>,
    interrupted: Cell<bool>,
}

impl Deadline {
    pub(crate) fn start(timeout: Option<Duration>) -> Self {
        Self { budget: timeout.map(|t| (Instant::now() + t, t)), interrupted: Cell::new(false) }
    }

    fn passed(&self) -> bool {
        self.budget.is_some_and(|(at, _)| Instant::now() >= at)
    }

    /// Fails once the budget is spent (before starting another execution).
    pub(crate) fn check(&self) -> Result<(), CallError> {
        if self.passed() {
            Err(self.timeout())
        } else {
            Ok(())
        }
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted.get()
    }

    pub(crate) fn timeout(&self) -> CallError {
        CallError::Timeout(self.budget.map_or(Duration::ZERO, |(_, t)| t))
    }
}

/// Halts every frame once the deadline has passed: the innermost frame halts, and so does each caller on its next
/// step, so the whole call unwinds within a few opcodes.
pub(crate) struct DeadlineInspector<'a> {
    deadline: &'a Deadline,
    steps: u32,
}

impl<'a> DeadlineInspector<'a> {
    pub(crate) fn new(deadline: &'a Deadline) -> Self {
        Self { deadline, steps: 0 }
    }
}

impl<CTX, INTR: InterpreterTypes> Inspector<CTX, INTR> for DeadlineInspector<'_> {
    fn step(&mut self, interp: &mut Interpreter<INTR>, _context: &mut CTX) {
        if self.deadline.interrupted() {
            interp.halt(InstructionResult::OutOfGas);
            return;
        }
        self.steps = self.steps.wrapping_add(1);
        if self.steps.is_multiple_of(STEPS_PER_CHECK) && self.deadline.passed() {
            self.deadline.interrupted.set(true);
            interp.halt(InstructionResult::OutOfGas);
        }
    }
}
