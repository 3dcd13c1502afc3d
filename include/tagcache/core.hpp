// Every freestanding layer of tagcache: what a kernel, hypervisor or firmware shim includes.
// Compiles with -nostdinc -nostdinc++ -ffreestanding -fno-exceptions -fno-rtti.
#pragma once

#include "base/base.hpp"
#include "concepts/concepts.hpp"
#include "mapping/mapping.hpp"
#include "policy/policy.hpp"
#include "pool/pool.hpp"
#include "tags/tags.hpp"
#include "tmem/tmem.hpp"
