#include "demos/train/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace fg {

namespace {

int terminal_width(std::FILE* f) {
  winsize ws{};
  if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 100;
}

}  // namespace

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "--";
  char buf[32];
  const long t = std::lround(s);
  if (t < 60)
    std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

Progress::Progress(bool enabled, std::FILE* out) : out_(out) {
  live_ = enabled && out && isatty(fileno(out));
}

void Progress::begin_epoch(int epoch, int epochs, int steps, int first_step, int64_t later_steps) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  first_step_ = first_step;
  later_steps_ = later_steps;
  start_ = Clock::now();
  last_draw_ = start_ - std::chrono::seconds(1);
  drawn_ = false;
}

std::string Progress::line(int done, double loss, double acc, double ips, double eta_s,
                           int width) const {
  char tail[160];
  char acc_part[32] = "";
  if (acc >= 0) std::snprintf(acc_part, sizeof acc_part, "  acc %.3f", acc);
  std::snprintf(tail, sizeof tail, "  %d/%d  loss %.4f%s  %.0f img/s  ETA %s", done, steps_, loss,
                acc_part, ips, format_duration(eta_s).c_str());
  char head[48];
  std::snprintf(head, sizeof head, "epoch %d/%d ", epoch_, epochs_);
  std::string s = head;
  const int room =
      width - 1 - static_cast<int>(s.size()) - static_cast<int>(std::string(tail).size()) - 2;
  if (room >= 5) {
    const int bar = std::min(room, 30);
    const int full = steps_ > 0 ? static_cast<int>(int64_t(bar) * done / steps_) : bar;
    s += "[" + std::string(full, '#') + std::string(bar - full, '-') + "]";
  }
  s += tail;
  if (static_cast<int>(s.size()) > width - 1) s.resize(std::max(0, width - 1));
  return s;
}

void Progress::update(int done, double loss, double acc, int64_t images) {
  if (!live_) return;
  const auto now = Clock::now();
  if (done < steps_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int here = done - first_step_;
  const double ips = elapsed > 0 ? images / elapsed : 0;
  const double per_step = here > 0 ? elapsed / here : NAN;
  const double eta = per_step * double(steps_ - done + later_steps_);
  const std::string s = line(done, loss, acc, ips, eta, terminal_width(out_));
  std::fprintf(out_, "\r%s\033[K", s.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void Progress::end_epoch() {
  if (!live_ || !drawn_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace fg
