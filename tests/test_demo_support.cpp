// What the demo programs share: the argument parser, the progress line, the
// --data option and the embeddings CSV.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tuple>

#include "core/data/file_util.hpp"
#include "demos/cli/args.hpp"
#include "demos/cli/data_arg.hpp"
#include "demos/train/progress.hpp"
#include "demos/train/trainer.hpp"
#include "tests/cli_test_util.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;

namespace {
Args make(std::vector<std::string> t) { return Args(std::move(t), "prog [--epochs N]", "prog"); }
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArgError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("args: --flag value, --flag=value, defaults and key=value", "[trainer][args]") {
  Args a = make({"--epochs", "7", "--lr=0.05", "s=64", "--quiet", "m=0.5", "--out", "d"});
  REQUIRE(a.get_int("--epochs", 3, 1, 100, "") == 7);
  REQUIRE(a.get_double("--lr", 0.1, 0, 10, "") == Approx(0.05));
  REQUIRE(a.get_int("--batch", 128, 1, 4096, "") == 128);
  REQUIRE(a.get_flag("--quiet", ""));
  REQUIRE_FALSE(a.get_flag("--verbose", ""));
  REQUIRE(a.get_string("--out", "x", "") == "d");
  const auto kv = a.key_values("");
  REQUIRE(kv.size() == 2);
  REQUIRE(kv.at("s") == "64");
  REQUIRE(kv.at("m") == "0.5");
  REQUIRE_NOTHROW(a.finish());
}

TEST_CASE("args: a switch followed by key=value does not swallow it", "[trainer][args]") {
  Args a = make({"--quiet", "s=64"});
  REQUIRE(a.get_flag("--quiet", ""));
  REQUIRE(a.key_values("").at("s") == "64");
  REQUIRE_NOTHROW(a.finish());
}

TEST_CASE("args: bad values name the flag and what is allowed", "[trainer][args]") {
  REQUIRE(message_of([] {
            make({"--epochs", "abc"}).get_int("--epochs", 1, 1, 10000, "");
          }) == "--epochs: 'abc' is not a whole number (expected 1..10000)");
  REQUIRE(message_of([] {
            make({"--epochs", "0"}).get_int("--epochs", 1, 1, 10000, "");
          }) == "--epochs: '0' is out of range (expected 1..10000)");
  REQUIRE(message_of([] {
            make({"--epochs", "3x"}).get_int("--epochs", 1, 1, 10000, "");
          }) == "--epochs: '3x' is not a whole number (expected 1..10000)");
  REQUIRE_THAT(message_of([] {
                 make({"--lr", "nan"}).get_double("--lr", 1, 0, 10, "");
               }),
               Contains("--lr: 'nan' is not a number"));
  REQUIRE_THAT(message_of([] {
                 make({"--lr", "11"}).get_double("--lr", 1, 0, 10, "");
               }),
               Contains("out of range (expected 0..10)"));
  REQUIRE_THAT(message_of([] { make({"--epochs"}).get_int("--epochs", 1, 1, 9, ""); }),
               Contains("--epochs: needs a value"));
  REQUIRE_THAT(message_of([] {
                 make({"--epochs", "--lr", "1"}).get_int("--epochs", 1, 1, 9, "");
               }),
               Contains("--epochs: needs a value"));
  REQUIRE_THAT(message_of([] {
                 make({"--epochs", "1", "--epochs=2"}).get_int("--epochs", 1, 1, 9, "");
               }),
               Contains("more than once"));
  REQUIRE_THAT(message_of([] {
                 make({"--data", "x"}).get_choice("--data", "a", {"a", "b"}, "");
               }),
               Contains("'x' is not one of a|b"));
  REQUIRE_THAT(message_of([] { make({"s=1", "s=2"}).key_values(""); }), Contains("'s'"));
}

TEST_CASE("args: finish refuses unknown options and stray words, answers --help",
          "[trainer][args]") {
  {
    Args a = make({"--epoch", "3"});
    a.get_int("--epochs", 1, 1, 9, "passes");
    REQUIRE_THAT(message_of([&] { a.finish(); }),
                 Contains("unknown option --epoch (known: --epochs"));
  }
  {
    Args a = make({"stray"});
    REQUIRE_THAT(message_of([&] { a.finish(); }), Contains("unexpected argument 'stray'"));
  }
  {
    Args a = make({"k=v"});  // key=value where the program takes none
    REQUIRE_THAT(message_of([&] { a.finish(); }), Contains("unexpected argument 'k=v'"));
  }
  {
    Args a = make({"--help"});
    a.get_int("--epochs", 5, 1, 9, "passes over the data");
    try {
      a.finish();
      FAIL("--help did not stop");
    } catch (const HelpRequested& h) {
      REQUIRE_THAT(h.text, Contains("usage: prog"));
      REQUIRE_THAT(h.text, Contains("--epochs N"));
      REQUIRE_THAT(h.text, Contains("passes over the data (default 5)"));
    }
  }
}

TEST_CASE("args: run_main maps errors to exit codes", "[trainer][args]") {
  char prog[] = "prog";
  char* argv[] = {prog, nullptr};
  REQUIRE(run_main(1, argv, [] { return 0; }) == 0);
  REQUIRE(run_main(1, argv, []() -> int { throw ArgError("--x: bad", "prog"); }) == 2);
  REQUIRE(run_main(1, argv, []() -> int { throw Error("broken file"); }) == 1);
}

TEST_CASE("progress: durations and the line fit the width", "[trainer][progress]") {
  REQUIRE(format_duration(5) == "5s");
  REQUIRE(format_duration(245) == "4m05s");
  REQUIRE(format_duration(3720) == "1h02m");
  REQUIRE(format_duration(-1) == "--");
  Progress p(true, stderr);
  p.begin_epoch(2, 10, 469);
  const std::string wide = p.line(212, 0.41234, 0.861, 1520, 245, 120);
  REQUIRE_THAT(wide, Contains("epoch 2/10 ["));
  REQUIRE_THAT(wide, Contains("212/469  loss 0.4123  acc 0.861  1520 img/s  ETA 4m05s"));
  REQUIRE(wide.size() <= 119);
  REQUIRE(p.line(212, 0.4, -1, 1520, 245, 120).find("acc") == std::string::npos);
  REQUIRE(p.line(212, 0.4, 0.5, 1520, 245, 40).size() <= 39);
}

TEST_CASE("data option: digits and bad specs", "[trainer][data_arg]") {
  const DataSplit d = load_data("digits:120", 3);
  REQUIRE(d.train.size() == 120);
  REQUIRE(d.test.size() == 100);
  REQUIRE(d.train.num_classes() == 10);
  REQUIRE_THROWS_WITH(load_data("imagenet", 1), Contains("mnist|mnist:DIR|fashion|digits"));
  REQUIRE_THROWS_WITH(load_data("digits:abc", 1), Contains("digits:N"));
  CHECK(load_data("digits:10", 3).train.size() == 10);  // the smallest N allowed
  REQUIRE_THROWS_WITH(load_data("digits:9", 1), Contains("10..1000000"));
  REQUIRE_THROWS_WITH(load_data("mnist:", 1), Contains("directory is missing"));
  REQUIRE_THROWS_AS(load_data("mnist:/nonexistent/dir", 1), Error);
}

TEST_CASE("embeddings CSV: header, one row per sample, label last", "[trainer]") {
  fg_test::TempDir dir;
  const Tensor h = Tensor::from({3, 2}, {1.5f, -2, 0, 0.25f, 3, 4});
  save_embeddings_csv(dir.file("e.csv"), h, {7, 0, 2});
  std::ifstream f(dir.file("e.csv"));
  std::stringstream ss;
  ss << f.rdbuf();
  REQUIRE(ss.str() == "x1,x2,label\n1.5,-2,7\n0,0.25,0\n3,4,2\n");
  REQUIRE_THROWS_WITH(save_embeddings_csv(dir.file("f.csv"), h, {1}),
                      Contains("3 embeddings but 1 labels"));
  REQUIRE_THROWS_AS(save_embeddings_csv("/nonexistent/dir/e.csv", h, {7, 0, 2}), Error);
}

using fg_test::run_command;

TEST_CASE("train_softmax: bad arguments exit with 2 and say what is allowed", "[trainer][demo]") {
  REQUIRE(std::ifstream("build/train_softmax").good());
  auto [code, err] = run_command("build/train_softmax --epochs abc");
  REQUIRE(code == 2);
  REQUIRE_THAT(err, Contains("--epochs: 'abc' is not a whole number (expected 1..10000)"));
  REQUIRE_THAT(err, Contains("usage: train_softmax"));
  std::tie(code, err) = run_command("build/train_softmax --epoch 3");
  REQUIRE(code == 2);
  REQUIRE_THAT(err, Contains("unknown option --epoch"));
  // A dataset directory that does not exist is bad input, refused before training.
  std::tie(code, err) =
      run_command("build/train_softmax --data mnist:/nonexistent/dir --out /tmp/fg_unused");
  REQUIRE(code == 2);
  REQUIRE_THAT(err, Contains("/nonexistent/dir"));
  std::tie(code, err) = run_command("build/train_softmax --lr -1");
  REQUIRE(code == 2);
  REQUIRE_THAT(err, Contains("--lr: '-1' is out of range"));
}
