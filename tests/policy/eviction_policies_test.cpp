// tagcache::eviction_policies, the one list of policies by name: each name is its policy's own,
// a name reaches exactly its policy, and anything else (a prefix, a longer name, an embedded
// NUL, another case) reaches none.
#include <tagcache/policy/eviction_policies.hpp>

#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <typeinfo>

#include "catch.hpp"

using namespace tagcache;

namespace {
// The type a name dispatches to, or "" when it reaches none.
std::string dispatched(std::string_view name) {
    std::string type;
    int calls = 0;
    const bool found = eviction_policies::with(name.data(), name.size(), [&]<class Eviction>() {
        type = typeid(Eviction).name();
        ++calls;
    });
    REQUIRE(calls == (found ? 1 : 0));
    return type;
}
} // namespace

TEST_CASE("the list names each policy by its own name, once", "[policy][list]") {
    REQUIRE(eviction_policies::size == 6);
    std::set<std::string> names;
    for (const char* name : eviction_policies::names) {
        REQUIRE(names.insert(name).second);
        eviction_policies::with(name, std::strlen(name), [&]<class Eviction>() {
            REQUIRE(std::string(Eviction::name) == name);
        });
    }
    REQUIRE(names == std::set<std::string>{"lru", "fifo", "clock", "arc", "s3fifo", "sieve"});
}

TEST_CASE("a name reaches exactly its policy", "[policy][list]") {
    REQUIRE(dispatched("lru") == typeid(lru_eviction).name());
    REQUIRE(dispatched("fifo") == typeid(fifo_eviction).name());
    REQUIRE(dispatched("clock") == typeid(clock_eviction).name());
    REQUIRE(dispatched("arc") == typeid(arc_eviction).name());
    REQUIRE(dispatched("s3fifo") == typeid(s3fifo_eviction).name());
    REQUIRE(dispatched("sieve") == typeid(sieve_eviction).name());
}

TEST_CASE("other names reach no policy", "[policy][list]") {
    using namespace std::string_literals;
    for (const std::string& name :
         {""s, "lr"s, "lrux"s, "LRU"s, "mru"s, "s3"s, "lru\0"s, "lru\0x"s, "\0"s, "sieves"s})
        REQUIRE(dispatched(name).empty());
}

TEST_CASE("the list dispatches at compile time", "[policy][list]") {
    constexpr auto size_of = [](const char* name, size_t length) {
        size_t bytes = 0;
        eviction_policies::with(name, length,
                                [&]<class Eviction>() { bytes = Eviction::bytes_per_slot; });
        return bytes;
    };
    STATIC_REQUIRE(size_of("lru", 3) == lru_eviction::bytes_per_slot);
    STATIC_REQUIRE(size_of("lrux", 3) == lru_eviction::bytes_per_slot); // the length counts
    STATIC_REQUIRE(size_of("lru", 2) == 0);
}
