// Must not compile: the configuration's lock does not promise noexcept. The error must name
// the concept pool_config where the configuration is named, and the requirement it breaks.
#include <tagcache/core.hpp>

struct throwing_lock {
    static constexpr bool may_sleep = false;
    void lock() {}
    void unlock() {}
};
struct bad_config : tagcache::default_pool_config {
    using lock = throwing_lock;
};

tagcache::cleancache_pool<bad_config>* pool = nullptr;
