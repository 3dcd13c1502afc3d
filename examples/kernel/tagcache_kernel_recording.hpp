// SPDX-License-Identifier: MIT
// Private to tagcache_kernel.cpp (included by it alone, after tagcache_kernel_config.hpp): the
// recording of a pool's operations (tagcache_kernel.h, docs/kernel.md#recording) and its text.
// Freestanding: the text is written with the few formatting helpers below, no printf.
#pragma once

#include "tagcache_kernel_config.hpp"

namespace {

pool_recording& recording_of(tagcache_pool* pool) noexcept {
    return *static_cast<pool_recording*>(pool->recording);
}

bool is_recording(tagcache_pool* pool) noexcept {
    return __atomic_load_n(&recording_of(pool).active, __ATOMIC_ACQUIRE);
}

// Ends the recording; the caller holds its lock.
void end_recording_locked(tagcache_pool* pool, recording_end why) noexcept {
    pool_recording& r = recording_of(pool);
    if (!r.active)
        return;
    visit(pool, [&](const auto& core) noexcept {
        r.at_end = core.stats();
        return 0;
    });
    r.end = why;
    __atomic_store_n(&r.active, false, __ATOMIC_RELEASE);
}

void end_recording(tagcache_pool* pool, recording_end why) noexcept {
    if (!is_recording(pool))
        return;
    pool_recording& r = recording_of(pool);
    r.lock.lock();
    end_recording_locked(pool, why);
    r.lock.unlock();
}

// Runs body(entry) — it returns the C result and may set entry.value — and, while the pool
// records, does so under the recording's lock and appends `entry` and one DONOR_RANGE record
// per range. An operation that would not fit ends the recording (full) before it runs, so what
// was recorded stays a prefix of what happened, with the counters as they stood after it.
template <class Body>
int recorded(tagcache_pool* pool, tagcache_record entry, Body&& body,
             const tagcache_pfn_range* ranges = nullptr, uint32_t range_count = 0) noexcept {
    if (!is_recording(pool))
        return body(entry);
    pool_recording& r = recording_of(pool);
    r.lock.lock();
    if (r.active && r.capacity - r.count < 1 + uint64_t{range_count})
        end_recording_locked(pool, recording_end::full);
    const bool keep = r.active;
    const int result = body(entry);
    if (keep) {
        entry.result = static_cast<uint16_t>(result);
        r.records[r.count++] = entry;
        for (uint32_t i = 0; i < range_count; ++i) {
            tagcache_record range{};
            range.op = TAGCACHE_RECORD_DONOR_RANGE;
            range.inode = ranges[i].first;
            range.index = ranges[i].count;
            r.records[r.count++] = range;
        }
    }
    r.lock.unlock();
    return result;
}

// ---- text ---------------------------------------------------------------------------------

// Appends to a line buffer, never past its end (a line that would not fit is refused whole).
class line_writer {
public:
    line_writer(char* buffer, size_t size) noexcept : buffer_(buffer), size_(size) {}

    line_writer& text(const char* s) noexcept {
        while (*s != '\0')
            put(*s++);
        return *this;
    }
    line_writer& decimal(uint64_t value) noexcept {
        char digits[20];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        while (n > 0)
            put(digits[--n]);
        return *this;
    }
    line_writer& hex(uint64_t value) noexcept {
        text("0x");
        int shift = 60;
        while (shift > 0 && (value >> shift) == 0)
            shift -= 4;
        for (; shift >= 0; shift -= 4)
            put("0123456789abcdef"[(value >> shift) & 15]);
        return *this;
    }
    line_writer& space() noexcept { return text(" "); }
    // The line with its newline and NUL, or 0 when it did not fit.
    size_t finish() noexcept {
        put('\n');
        if (overflowed_ || length_ >= size_)
            return 0;
        buffer_[length_] = '\0';
        return length_;
    }

private:
    void put(char c) noexcept {
        if (length_ + 1 < size_)
            buffer_[length_++] = c;
        else
            overflowed_ = true;
    }
    char* buffer_;
    size_t size_, length_ = 0;
    bool overflowed_ = false;
};

const char* op_name(uint8_t op) noexcept {
    switch (op) {
    case TAGCACHE_RECORD_STORE:
        return "store";
    case TAGCACHE_RECORD_RESTORE:
        return "restore";
    case TAGCACHE_RECORD_INVALIDATE_PAGE:
        return "invalidate-page";
    case TAGCACHE_RECORD_INVALIDATE_INODE:
        return "invalidate-inode";
    case TAGCACHE_RECORD_INVALIDATE_FS:
        return "invalidate-fs";
    case TAGCACHE_RECORD_ADD_FS:
        return "add-fs";
    case TAGCACHE_RECORD_REMOVE_FS:
        return "remove-fs";
    case TAGCACHE_RECORD_DONATE:
        return "donate";
    case TAGCACHE_RECORD_TAKE_BACK:
        return "take-back";
    case TAGCACHE_RECORD_REGISTER_DONOR:
        return "register-donor";
    case TAGCACHE_RECORD_RECLAIM_STALE:
        return "reclaim-stale";
    default:
        return "unknown";
    }
}

const char* end_name(recording_end why) noexcept {
    switch (why) {
    case recording_end::recording:
        return "recording";
    case recording_end::stopped:
        return "stopped";
    case recording_end::full:
        return "full";
    case recording_end::tag_storage:
        return "tag-storage";
    }
    return "unknown";
}

// One record (and, for register-donor, its ranges) as a line; `used` is how many records.
void write_record(line_writer& out, const tagcache_record* records, uint64_t count, uint64_t at,
                  uint64_t& used) noexcept {
    const tagcache_record& r = records[at];
    used = 1;
    out.text(op_name(r.op));
    switch (r.op) {
    case TAGCACHE_RECORD_STORE:
    case TAGCACHE_RECORD_RESTORE:
    case TAGCACHE_RECORD_INVALIDATE_PAGE:
        out.space().decimal(r.fs).space().decimal(r.inode).space().decimal(r.index).space().decimal(
            r.order);
        break;
    case TAGCACHE_RECORD_INVALIDATE_INODE:
        out.space().decimal(r.fs).space().decimal(r.inode);
        break;
    case TAGCACHE_RECORD_INVALIDATE_FS:
    case TAGCACHE_RECORD_REMOVE_FS:
        out.space().decimal(r.fs);
        break;
    case TAGCACHE_RECORD_DONATE:
    case TAGCACHE_RECORD_TAKE_BACK:
        out.space().decimal(r.fs).space().hex(r.inode);
        break;
    case TAGCACHE_RECORD_REGISTER_DONOR:
        out.space().decimal(r.inode).space().decimal(r.index);
        for (uint32_t i = 0; i < r.fs && at + 1 + i < count; ++i, ++used)
            out.space().hex(records[at + 1 + i].inode).text("+").decimal(records[at + 1 + i].index);
        break;
    case TAGCACHE_RECORD_RECLAIM_STALE:
        out.space().decimal(r.inode);
        return; // no result
    default:
        break;
    }
    out.text(" = ").text(tagcache_error_name(r.result));
    if (r.op == TAGCACHE_RECORD_RESTORE)
        out.space().hex(r.value);
    else if (r.op == TAGCACHE_RECORD_ADD_FS || r.op == TAGCACHE_RECORD_REGISTER_DONOR)
        out.space().decimal(r.value);
}

} // namespace
