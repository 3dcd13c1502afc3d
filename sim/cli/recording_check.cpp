#include "recording_check.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>
#include <tagsim/trace/trace_stream.hpp>
#include <tagsim/workload/limits.hpp>

#include <tagcache/pool/default_pool_config.hpp>
#include <tagcache/pool/geometry.hpp>

#include <cstdlib>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "tagcache_kernel.h"

namespace tagsim {
namespace {

namespace sim = tagcache::sim;

constexpr unsigned max_order = tagcache::default_pool_config::max_order;

struct aligned_free {
    void operator()(void* p) const noexcept { std::free(p); }
};

// Every donor page maps to one scratch page: a replay compares results, not contents.
void* scratch_page(void* context, uint64_t) {
    return context;
}

class replay {
public:
    explicit replay(std::string path) : path_(std::move(path)) {}

    void line(uint64_t number, std::string_view text) {
        number_ = number;
        text_ = text;
        words_.clear();
        for (size_t at = 0; at < text.size();) {
            const size_t start = text.find_first_not_of(" \t", at);
            if (start == std::string_view::npos)
                break;
            const size_t end = std::min(text.find_first_of(" \t", start), text.size());
            words_.push_back(text.substr(start, end - start));
            at = end;
        }
        if (stage_ == stage::magic) {
            if (words_.size() != 2 || words_[0] != "tagcache-recording" || words_[1] != "1")
                refuse("not a tagcache recording (its first line must be 'tagcache-recording 1')");
            stage_ = stage::pool;
        } else if (stage_ == stage::pool) {
            create_pool();
            stage_ = stage::operations;
        } else if (stage_ == stage::operations && words_[0] == "stats") {
            compare_counters();
            stage_ = stage::end;
        } else if (stage_ == stage::operations) {
            operation();
        } else if (stage_ == stage::end) {
            finish();
            stage_ = stage::done;
        } else {
            refuse("a line after the 'end' line");
        }
    }

    recording_summary summary() {
        if (stage_ != stage::done)
            throw recording_error(fmt::format(
                "{}: ends before its {} line (a recording ends with 'stats' and 'end' lines)",
                sim::printable(path_), stage_ == stage::end ? "'end'" : "'stats'"));
        return summary_;
    }

private:
    enum class stage { magic, pool, operations, end, done };

    [[noreturn]] void refuse(std::string_view why) const {
        throw recording_error(fmt::format("{}:{}: {}: {}", sim::printable(path_), number_, why,
                                          sim::quoted(text_, 120)));
    }

    uint64_t number(size_t word, uint64_t limit, const char* what) const {
        if (word >= words_.size())
            refuse(fmt::format("{} is missing", what));
        const auto value = sim::parse_unsigned(words_[word]);
        if (!value.ok())
            refuse(fmt::format("{}: {}", what, value.why()));
        if (value.value() > limit)
            refuse(fmt::format("{} {} is above {}", what, value.value(), limit));
        return value.value();
    }

    // key=value words from `first` on, each key once and known.
    std::map<std::string, uint64_t, std::less<>>
    fields(size_t first, std::initializer_list<const char*> known, bool all_required) const {
        std::map<std::string, uint64_t, std::less<>> out;
        for (size_t i = first; i < words_.size(); ++i) {
            const size_t equals = words_[i].find('=');
            const std::string_view key = words_[i].substr(0, equals);
            bool found = false;
            for (const char* k : known)
                found = found || key == k;
            if (equals == std::string_view::npos || !found)
                refuse(fmt::format("unknown field {}", sim::quoted(words_[i])));
            if (out.count(key) != 0)
                refuse(fmt::format("field {} appears twice", sim::quoted(key)));
            const std::string_view text = words_[i].substr(equals + 1);
            uint64_t value = 0;
            if (key == "partial-take") {
                if (text != "drop" && text != "split")
                    refuse("partial-take must be drop or split");
                value = text == "split" ? 1 : 0;
            } else if (key == "reason") {
                if (text != "stopped" && text != "full" && text != "tag-storage")
                    refuse("reason must be stopped, full or tag-storage");
                summary_.end_reason = std::string(text);
            } else {
                const auto parsed = sim::parse_unsigned(text);
                if (!parsed.ok())
                    refuse(fmt::format("{}: {}", key, parsed.why()));
                value = parsed.value();
            }
            out.emplace(std::string(key), value);
        }
        if (all_required)
            for (const char* k : known)
                if (out.find(std::string_view(k)) == out.end())
                    refuse(fmt::format("field {} is missing", k));
        return out;
    }

    void create_pool() {
        if (words_.empty() || words_[0] != "pool")
            refuse("the second line must be the 'pool' line");
        const auto f = fields(1,
                              {"slots", "max-block-pages", "filesystems", "max-ranges", "page-size",
                               "partial-take", "hash-seed"},
                              true);
        const auto limited = [&](const char* key) {
            const uint64_t value = f.find(std::string_view(key))->second;
            if (value > UINT32_MAX)
                refuse(fmt::format("{} {} is above {}", key, value, UINT32_MAX));
            return static_cast<uint32_t>(value);
        };
        const uint64_t seed = f.find(std::string_view("hash-seed"))->second;
        if (seed != tagcache::pool_geometry{}.hash_seed)
            refuse(fmt::format("hash-seed {:#x} is not the kernel ABI's ({:#x}): this build cannot "
                               "replay it",
                               seed, tagcache::pool_geometry{}.hash_seed));
        page_bytes_ = limited("page-size");
        if (page_bytes_ != 4096 && page_bytes_ != 16384 && page_bytes_ != 65536)
            refuse("page-size must be 4096, 16384 or 65536");
        tagcache_pool_params params{};
        params.slots = limited("slots");
        params.max_block_pages = limited("max-block-pages");
        params.filesystems = limited("filesystems");
        params.max_ranges = limited("max-ranges");
        params.page_size = page_bytes_;
        params.partial_take = f.find(std::string_view("partial-take"))->second != 0
                                  ? TAGCACHE_SPLIT_FOLIO
                                  : TAGCACHE_DROP_WHOLE_FOLIO;
        params.map_pfn = &scratch_page;
        const size_t bytes = tagcache_pool_bytes(&params);
        if (bytes == 0)
            refuse("the pool's sizes are out of range");
        sim::require_memory(fmt::format("{}:{}: the recorded pool", sim::printable(path_), number_),
                            bytes);
        buffers_.emplace_back(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
        const size_t folio_bytes = size_t{page_bytes_} << max_order;
        buffers_.emplace_back(std::aligned_alloc(64, page_bytes_)); // the donor pages' stand-in
        buffers_.emplace_back(std::aligned_alloc(64, folio_bytes)); // a store's source
        buffers_.emplace_back(std::aligned_alloc(64, folio_bytes)); // a restore's sink
        for (const auto& b : buffers_)
            if (!b)
                throw std::bad_alloc();
        params.map_context = buffers_[1].get();
        if (const int e = tagcache_pool_create(buffers_[0].get(), bytes, &params, &pool_); e != 0)
            refuse(fmt::format("the pool cannot be created ({})", tagcache_error_name(e)));
    }

    // The words after '=': the result's name and, for some operations, a value.
    int expected_result(size_t at, bool with_value, uint64_t& value) const {
        if (at >= words_.size() || words_[at] != "=")
            refuse("expected '= RESULT' after the arguments");
        if (at + 1 >= words_.size())
            refuse("the result is missing");
        int code = -1;
        for (int c = 0; c < TAGCACHE_ERROR_COUNT; ++c)
            if (words_[at + 1] == tagcache_error_name(c))
                code = c;
        if (code < 0)
            refuse(fmt::format("unknown result {}", sim::quoted(words_[at + 1])));
        if (with_value)
            value = number(at + 2, UINT64_MAX, "the value");
        if (words_.size() != at + 2 + (with_value ? 1 : 0))
            refuse("extra words after the result");
        return code;
    }

    void check(int recorded, int replayed, uint64_t recorded_value = 0,
               uint64_t replayed_value = 0) const {
        if (recorded != replayed || recorded_value != replayed_value)
            throw recording_error(fmt::format(
                "{}:{}: {}: recorded {} {:#x}, replayed {} {:#x} (the first difference)",
                sim::printable(path_), number_, sim::printable(text_),
                tagcache_error_name(recorded), recorded_value, tagcache_error_name(replayed),
                replayed_value));
    }

    void operation() {
        const std::string_view op = words_[0];
        constexpr uint64_t u32 = UINT32_MAX;
        uint64_t value = 0;
        ++summary_.operations;
        ++summary_.records;
        if (op == "store" || op == "restore" || op == "invalidate-page") {
            const auto fs = static_cast<uint32_t>(number(1, u32, "fs"));
            const uint64_t inode = number(2, UINT64_MAX, "inode");
            const uint64_t index = number(3, UINT64_MAX, "index");
            const auto order = static_cast<unsigned>(number(4, 255, "order"));
            // An order above the core's largest is refused before any copy, so the folio-sized
            // buffers are large enough for every call that copies.
            if (op == "restore") {
                const int recorded = expected_result(5, true, value);
                uint64_t filled = 0;
                const int replayed = tagcache_pool_restore(pool_, fs, inode, index, order,
                                                           buffers_[3].get(), &filled);
                check(recorded, replayed, value, filled);
            } else if (op == "store") {
                check(expected_result(5, false, value),
                      tagcache_pool_store(pool_, fs, inode, index, order, buffers_[2].get()));
            } else {
                check(expected_result(5, false, value),
                      tagcache_pool_invalidate_page(pool_, fs, inode, index, order));
            }
        } else if (op == "invalidate-inode") {
            const auto fs = static_cast<uint32_t>(number(1, u32, "fs"));
            const uint64_t inode = number(2, UINT64_MAX, "inode");
            check(expected_result(3, false, value),
                  tagcache_pool_invalidate_inode(pool_, fs, inode));
        } else if (op == "invalidate-fs" || op == "remove-fs") {
            const auto fs = static_cast<uint32_t>(number(1, u32, "fs"));
            const int recorded = expected_result(2, false, value);
            check(recorded, op == "remove-fs" ? tagcache_pool_remove_fs(pool_, fs)
                                              : tagcache_pool_invalidate_fs(pool_, fs));
        } else if (op == "add-fs") {
            const int recorded = expected_result(1, true, value);
            uint32_t id = 0;
            const int replayed = tagcache_pool_add_fs(pool_, &id);
            check(recorded, replayed, value, replayed == 0 ? id : 0);
        } else if (op == "donate" || op == "take-back") {
            const auto donor = static_cast<uint32_t>(number(1, u32, "donor"));
            const uint64_t pfn = number(2, UINT64_MAX, "pfn");
            const int recorded = expected_result(3, false, value);
            check(recorded, op == "donate" ? tagcache_pool_donate(pool_, donor, pfn)
                                           : tagcache_pool_take_back(pool_, donor, pfn));
        } else if (op == "register-donor") {
            const auto block_pages = static_cast<uint32_t>(number(1, u32, "block pages"));
            const uint64_t quota = number(2, UINT64_MAX, "quota");
            std::vector<tagcache_pfn_range> ranges;
            size_t at = 3;
            for (; at < words_.size() && words_[at] != "="; ++at) {
                const size_t plus = words_[at].find('+');
                const auto first = sim::parse_unsigned(words_[at].substr(0, plus));
                const auto count = plus == std::string_view::npos
                                       ? first
                                       : sim::parse_unsigned(words_[at].substr(plus + 1));
                if (plus == std::string_view::npos || !first.ok() || !count.ok())
                    refuse("a donor range must be FIRST+COUNT");
                if (ranges.size() == 8)
                    refuse("more than 8 donor ranges");
                ranges.push_back({first.value(), count.value()});
            }
            const int recorded = expected_result(at, true, value);
            uint32_t id = 0;
            const int replayed = tagcache_pool_register_donor(pool_, "replay", ranges.data(),
                                                              static_cast<uint32_t>(ranges.size()),
                                                              block_pages, quota, &id);
            summary_.records += ranges.size();
            check(recorded, replayed, value, replayed == 0 ? id : 0);
        } else if (op == "reclaim-stale") {
            const auto slots = static_cast<uint32_t>(number(1, u32, "slots"));
            if (words_.size() != 2)
                refuse("extra words after reclaim-stale's slot count");
            tagcache_pool_reclaim_stale(pool_, slots);
        } else {
            refuse(fmt::format("unknown operation {}", sim::quoted(op)));
        }
    }

    void compare_counters() {
        const auto f = fields(1,
                              {
#define TAGSIM_COUNTER_NAME(name, meaning) #name,
                                  TAGCACHE_POOL_COUNTERS(TAGSIM_COUNTER_NAME, TAGSIM_COUNTER_NAME)
#undef TAGSIM_COUNTER_NAME
                              },
                              true);
        tagcache_pool_stats replayed{};
        tagcache_pool_get_stats(pool_, &replayed);
#define TAGSIM_COMPARE_COUNTER(name, meaning)                                                      \
    if (f.find(std::string_view(#name))->second != replayed.name)                                  \
        throw recording_error(                                                                     \
            fmt::format("{}:{}: counter {}: recorded {}, replayed {}", sim::printable(path_),      \
                        number_, #name, f.find(std::string_view(#name))->second, replayed.name));
        TAGCACHE_POOL_COUNTERS(TAGSIM_COMPARE_COUNTER, TAGSIM_COMPARE_COUNTER)
#undef TAGSIM_COMPARE_COUNTER
        summary_.counters_compared = true;
    }

    void finish() {
        if (words_.empty() || words_[0] != "end")
            refuse("expected the 'end' line after 'stats'");
        const auto f = fields(1, {"records", "reason"}, true);
        if (f.find(std::string_view("records"))->second != summary_.records)
            refuse(fmt::format("the recording says {} records; its lines hold {}",
                               f.find(std::string_view("records"))->second, summary_.records));
    }

    std::string path_;
    uint64_t number_ = 0;
    std::string_view text_;
    std::vector<std::string_view> words_;
    stage stage_ = stage::magic;
    uint32_t page_bytes_ = 4096;
    std::vector<std::unique_ptr<void, aligned_free>> buffers_;
    tagcache_pool* pool_ = nullptr;
    mutable recording_summary summary_;
};

} // namespace

recording_summary check_recording(const std::string& path) {
    replay checker(path);
    try {
        sim::trace_line_reader reader(path);
        reader.for_each_line(
            '#', [&](uint64_t number, std::string_view text) { checker.line(number, text); });
    } catch (const sim::trace_error& e) {
        throw recording_error(e.what());
    }
    return checker.summary();
}

} // namespace tagsim
