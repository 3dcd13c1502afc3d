// Catch2 v2 and v3 behind one include: tests are written against the macros both provide.
#pragma once

#if TAGCACHE_CATCH2_MAJOR >= 3
#include <catch2/catch_message.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#else
#include <catch2/catch.hpp>
#endif
