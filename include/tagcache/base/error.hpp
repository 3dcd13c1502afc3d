// Error codes of every layer. Freestanding code reports failures as values (no exceptions);
// each code has a stable identifier and a one-line explanation for messages, both generated
// from the one list below so that they cannot drift apart.
#pragma once

#include "error_codes.hpp"

namespace tagcache {

enum class errc : unsigned char {
#define TAGCACHE_ERRC_ENUMERATOR(identifier, message) identifier,
    TAGCACHE_ERROR_CODES(TAGCACHE_ERRC_ENUMERATOR)
#undef TAGCACHE_ERRC_ENUMERATOR
};

// Number of error codes, ok included.
inline constexpr unsigned error_code_count = 0
#define TAGCACHE_ERRC_COUNT(identifier, message) +1
    TAGCACHE_ERROR_CODES(TAGCACHE_ERRC_COUNT)
#undef TAGCACHE_ERRC_COUNT
    ;

// Stable identifier of an error code ("tag_size_mismatch"), for logs and machine output.
constexpr const char* error_name(errc code) noexcept {
    switch (code) {
#define TAGCACHE_ERRC_NAME(identifier, message)                                                    \
    case errc::identifier:                                                                         \
        return #identifier;
        TAGCACHE_ERROR_CODES(TAGCACHE_ERRC_NAME)
#undef TAGCACHE_ERRC_NAME
    }
    return "unknown_error";
}

// One-line explanation of an error code, for people.
constexpr const char* error_message(errc code) noexcept {
    switch (code) {
#define TAGCACHE_ERRC_MESSAGE(identifier, message)                                                 \
    case errc::identifier:                                                                         \
        return message;
        TAGCACHE_ERROR_CODES(TAGCACHE_ERRC_MESSAGE)
#undef TAGCACHE_ERRC_MESSAGE
    }
    return "unknown error";
}

} // namespace tagcache
