// Catch2's single header, precompiled once per build (build/pch/VARIANT/) and
// put in front of every test file with -include. Parsing its 18,000 lines was
// a quarter to a third of each test file's compile. A test file still
// includes <catch2/catch.hpp> itself, which the include guard then makes
// free, so a file reads the same with or without the precompiled copy.
#include <catch2/catch.hpp>
