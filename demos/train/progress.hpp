// The training progress bar.
//
// On a terminal (stderr is a tty) one line is redrawn in place, at most
// about ten times a second:
//
//   epoch 2/10 [#########-----------]  212/469  loss 0.4123  acc 0.861  1520 img/s  ETA 4m05s
//
// The ETA counts every step left in the run (this epoch and the next ones)
// at this epoch's rate. end_epoch() erases the line, so the caller's one
// summary line per epoch (written to stdout) is all that stays. When stderr
// is not a terminal (a log file, a pipe, `make` under CI), nothing is drawn:
// the summary lines are the whole record.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fg {

class Progress {
 public:
  // enabled = false silences it; otherwise it draws when `out` is a terminal.
  explicit Progress(bool enabled = true, std::FILE* out = stderr);
  bool live() const { return live_; }

  // `steps` in this epoch, `first_step` of them already done (a resumed run),
  // `later_steps` in the epochs after this one (for the ETA).
  void begin_epoch(int epoch, int epochs, int steps, int first_step = 0, int64_t later_steps = 0);
  // After step `done` (1-based count of finished steps) with the running
  // mean loss and accuracy of the epoch (accuracy < 0: not shown) and the
  // number of images processed since begin_epoch.
  void update(int done, double loss, double acc, int64_t images);
  void end_epoch();

  // The line update() draws, for the given width (exposed for tests).
  std::string line(int done, double loss, double acc, double images_per_s, double eta_s,
                   int width) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  bool live_ = false;
  int epoch_ = 0, epochs_ = 0, steps_ = 0, first_step_ = 0;
  int64_t later_steps_ = 0;
  Clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

// "4m05s", "1h02m", "12s": a duration for people.
std::string format_duration(double seconds);

}  // namespace fg
