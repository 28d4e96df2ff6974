// notes/08-breakit.md quotes what build/breakit printed: every ```text block
// that starts with "$ build/breakit ..." is run again here, and each of its
// other lines must appear in the program's output (a quoted line may be a
// prefix of a longer printed line, for the trace messages cut short).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli_test_util.hpp"

namespace {

struct Quote {
  std::string command;
  std::vector<std::string> lines;
};

std::vector<Quote> quotes_of(const std::string& page) {
  std::ifstream in(page);
  REQUIRE(in.good());
  std::vector<Quote> out;
  std::string line;
  bool in_block = false, first = false;
  while (std::getline(in, line)) {
    if (!in_block && line == "```text") {
      in_block = first = true;
      continue;
    }
    if (in_block && line == "```") {
      in_block = false;
      continue;
    }
    if (!in_block) continue;
    if (first) {
      first = false;
      if (line.rfind("$ build/breakit ", 0) == 0) out.push_back({line.substr(2), {}});
      else in_block = false;  // not a quoted run
      continue;
    }
    out.back().lines.push_back(line);
  }
  return out;
}

std::string output_of(const std::string& cmd) {
  const auto [code, out] = fg_test::run_output(cmd);
  REQUIRE(code == 0);
  return out;
}

}  // namespace

TEST_CASE("notes/08-breakit.md quotes exactly what build/breakit prints", "[notes][breakit]") {
  const std::vector<Quote> quotes = quotes_of("notes/08-breakit.md");
  REQUIRE(quotes.size() == 9);
  for (const Quote& q : quotes) {
    INFO(q.command);
    const std::string out = output_of(q.command);
    REQUIRE(!q.lines.empty());
    for (const std::string& l : q.lines) {
      INFO(l);
      // A whole printed line, or the start of one.
      const size_t at = out.find(l);
      REQUIRE(at != std::string::npos);
      REQUIRE((at == 0 || out[at - 1] == '\n'));
    }
  }
}
