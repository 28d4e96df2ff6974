// Whole-file reads and writes with errors a person can act on.
//
// read_file_capped refuses anything that is not a regular file (a FIFO or a
// device would hang or never end) and anything larger than the cap, before
// allocating. write_file_atomic writes a temporary file beside the target,
// flushes it to disk and renames it into place, so a reader never sees a
// half-written file; on any failure the temporary file is removed and an
// fg::Error names the path and the system's reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fg {

std::vector<uint8_t> read_file_capped(const std::string& path, int64_t max_bytes);

void write_file_atomic(const std::string& path, const void* data, size_t n);

}  // namespace fg
