// Small CSV files of numbers, as people write them by hand for losscalc:
// no header, one row per line, values separated by commas (spaces around
// them are fine), every row the same length. A blank line may end the file
// but not sit between rows, so row r is always line r of the file.
//
// Every error names the file, the row (and column) and the problem:
//   "W.csv, row 3: 2 values, but row 1 has 3"
//   "F.csv, row 2, column 1: 'abc' is not a number"
// write_csv writes a temporary file and renames it into place.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

struct CsvTable {
  std::string path;
  int rows = 0, cols = 0;
  std::vector<double> values;  // row-major, rows x cols

  double at(int r, int c) const { return values[size_t(r) * cols + c]; }
  // "F.csv, row 3" for messages (r is 0-based, the message 1-based).
  std::string where(int r) const;
};

// Reads a non-empty table; throws fg::Error naming file, row and problem.
CsvTable read_csv(const std::string& path);

// The table as a rows x cols tensor.
Tensor csv_tensor(const CsvTable& t);

// The values of a table as integers, checking each one; the error names the
// file, row and value.
std::vector<int> csv_integers(const CsvTable& t);

// Writes a 2-D tensor one row per line (a 1-D tensor as one column), with
// enough digits to read the same number back.
void write_csv(const std::string& path, const Tensor& t);

}  // namespace fg
