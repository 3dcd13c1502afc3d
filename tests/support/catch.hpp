// Catch2 v2 and v3 behind one include: tests are written against the macros both provide.
#pragma once

#if TAGCACHE_CATCH2_MAJOR >= 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_message.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
using Catch::Approx; // v2's single header puts Approx in the global namespace too
#else
#include <catch2/catch.hpp>
#endif
