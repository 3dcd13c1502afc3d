// All of the tagcache library for hosted code: the freestanding core and the hosted layer.
// The fmt formatters are a separate header, <tagcache/fmt.hpp>, for programs that use fmt.
#pragma once

#include "core.hpp"
#include "hosted/hosted.hpp"
