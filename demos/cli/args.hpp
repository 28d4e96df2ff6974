// Command-line arguments of the demo programs.
//
//   --flag value   --flag=value   --switch   key=value (loss parameters)
//
// Options are looked up, not declared: each typed getter finds its flag,
// checks the value and records the flag with its help text. finish() then
// answers --help (usage plus every option seen, exit 0) and refuses anything
// left over (an unknown --flag lists the known ones). A bad value throws
// ArgError, "--epochs: 'abc' is not a whole number (expected 1..10000)";
// run_main() turns it into that message, the usage line and exit code 2.
//
//   int main(int argc, char** argv) {
//     return fg::run_main(argc, argv, [&] {
//       fg::Args args(argc, argv, "train_softmax [--epochs N] [--out DIR]");
//       int epochs = args.get_int("--epochs", 5, 1, 10000, "passes over the data");
//       args.finish();
//       ...
//       return 0;
//     });
//   }
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

// A wrong command line: run_main prints it with the usage line, exit code 2.
struct ArgError : Error {
  ArgError(const std::string& msg, std::string usage_line)
      : Error(msg), usage(std::move(usage_line)) {}
  std::string usage;
};
// Thrown by finish() when --help was asked for: run_main prints `text`, exit 0.
struct HelpRequested : std::exception {
  explicit HelpRequested(std::string t) : text(std::move(t)) {}
  const char* what() const noexcept override { return "help requested"; }
  std::string text;
};

class Args {
 public:
  // `usage` is the one-line synopsis printed with errors and --help.
  Args(int argc, char** argv, std::string usage);
  Args(std::vector<std::string> tokens, std::string usage, std::string program = "program");

  bool has(const std::string& flag) const;
  // `value_name` stands for the value in --help ("--out DIR").
  std::string get_string(const std::string& flag, const std::string& def, const std::string& help,
                         const std::string& value_name = "TEXT");
  int get_int(const std::string& flag, int def, int lo, int hi, const std::string& help);
  int64_t get_int64(const std::string& flag, int64_t def, int64_t lo, int64_t hi,
                    const std::string& help);
  double get_double(const std::string& flag, double def, double lo, double hi,
                    const std::string& help);
  // One of `choices`; the error lists them.
  std::string get_choice(const std::string& flag, const std::string& def,
                         const std::vector<std::string>& choices, const std::string& help);
  // A switch without a value (--quiet); --quiet=yes|no|true|false|1|0 also works.
  bool get_flag(const std::string& flag, const std::string& help);
  // Every key=value argument that is not the value of a flag. A repeated key
  // is an error. `help` describes them in --help.
  std::map<std::string, std::string> key_values(const std::string& help);

  // Handles --help and refuses unknown or left-over arguments. Call after
  // every getter.
  void finish();

  // An ArgError about `flag` ("--data: ..."), for checks a getter cannot do.
  [[noreturn]] void fail(const std::string& flag, const std::string& msg) const;

  const std::string& program() const { return program_; }
  const std::string& usage() const { return usage_; }
  // The text finish() prints for --help.
  std::string help_text() const;

 private:
  struct Token {
    std::string text;
    bool used = false;
  };
  // The raw value of `flag`, or nothing when absent; marks the tokens used.
  // `expect` completes the error for a flag without its value.
  std::optional<std::string> find_value(const std::string& flag, const std::string& expect);
  void note(const std::string& flag, const std::string& value_name, const std::string& help,
            const std::string& def);

  std::string program_, usage_;
  std::vector<Token> tokens_;
  std::vector<std::pair<std::string, std::string>> options_;  // "--epochs N" -> help line
  std::vector<std::string> known_;
  bool help_ = false;
};

// Runs `body`, mapping errors to exit codes: ArgError -> message, usage line,
// 2; any other fg::Error or std::exception -> "program: error: ...", 1.
int run_main(int argc, char** argv, const std::function<int()>& body);

}  // namespace fg
