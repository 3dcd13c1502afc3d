// The differential run of the pool against reference_cleancache, shared by the randomized
// test (differential_test.cpp: decisions from a seeded generator, failures as Catch2
// failures) and the pool fuzzer (tests/fuzz/pool_fuzzer.cpp: decisions from the fuzzer's
// bytes, failures as aborts). Stores, restores, invalidations (folio, inode, filesystem),
// filesystem replacement, donations and take-backs, orders 0-4, page contents stamped with key
// and version; the pool may miss where the reference hits, never the reverse, and never return
// other bytes. With discardable page memory (discard_fixtures.hpp) the host's discards are two
// more operations, with and without a notification: a discarded page may only miss.
//
// Driver: `uint64_t draw()` (the next decision) and `[[noreturn]] void fail(std::string)`.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "discard_fixtures.hpp"
#include "pool_fixtures.hpp"
#include "reference_model.hpp"

namespace tagcache::test {

template <class Config, class Driver>
class differential_run {
public:
    static constexpr bool with_data = Config::page_memory::holds_data;
    static constexpr bool exclusive = Config::on_restore == restore_mode::exclusive;
    static constexpr uint32_t donor_count = test_donors_of<Config>();
    static constexpr uint32_t pages_per_donor = 192;
    static constexpr bool discardable = discardable_page_memory<typename Config::page_memory>;

    explicit differential_run(Driver& driver)
        : driver_(driver)
        , device_(discardable ? make_device() : nullptr)
        , pool_(donor_count, pages_per_donor, 4, 24, false, page_memory(device_.get())) {
        for (uint32_t d = 0; d < donor_count; ++d) {
            donated_.emplace_back();
            // Start with about two thirds of each donor's pages donated.
            for (uint32_t i = 0; i < pages_per_donor; ++i)
                if (draw() % 3 != 0)
                    donate_one(d, pool_.ranges[d].first + i);
        }
        for (int i = 0; i < 3; ++i)
            filesystems_.push_back(pool_->add_fs().value());
        buffer_.resize(16 * test_page_bytes);
    }

    void run(uint64_t operations) {
        for (operation_ = 0; operation_ < operations; ++operation_) {
            const unsigned dice = static_cast<unsigned>(draw() % 1000);
            if (dice < 300)
                store();
            else if (dice < 650)
                restore();
            else if (dice < 730)
                invalidate();
            else if (dice < 750)
                invalidate_inode();
            else if (dice < 753)
                invalidate_fs();
            else if (dice < 755)
                replace_fs();
            else if (dice < 855)
                take_back();
            else if (dice < 955)
                donate();
            else if (dice < 965)
                restore_run();
            else if (dice < 985 && host_discard(dice)) {
                // the host discarded pages (discardable page memory only)
            } else
                restore(); // more reads than writes, as a page cache
            if (operation_ % 4096 == 0)
                check();
        }
        check();
    }

    uint64_t allowed_misses() const { return allowed_misses_; }
    uint64_t discards() const { return discards_; }
    uint64_t hits() const { return hits_; }

private:
    unsigned random_order() {
        const unsigned dice = static_cast<unsigned>(draw() % 100);
        return dice < 50 ? 0 : dice < 65 ? 1 : dice < 80 ? 2 : dice < 90 ? 3 : 4;
    }
    page_key random_key(unsigned order) {
        const fs_id fs = filesystems_[draw() % filesystems_.size()];
        const uint64_t inode = draw() % 8;
        const uint64_t index = (draw() % 64) & ~((uint64_t{1} << order) - 1);
        return {fs, inode, index};
    }
    uint64_t donated_total() const {
        uint64_t total = 0;
        for (const auto& set : donated_)
            total += set.size();
        return total;
    }

    void store() {
        const unsigned order = random_order();
        const page_key key = random_key(order);
        const bool workingset = draw() % 5 != 0;
        const uint32_t pages = 1u << order;
        const uint64_t version = ++version_;
        if constexpr (with_data)
            for (uint32_t i = 0; i < pages; ++i)
                stamp_page(buffer_.data() + i * test_page_bytes, page(key, i), version);
        const auto stored = pool_->store(key, order, buffer_.data(), workingset);
        const bool admitted = typename Config::admission{}.admit(workingset);
        errc expected = errc::ok;
        if (!admitted)
            expected = errc::not_admitted;
        else if (donated_total() < pages)
            expected = errc::no_space;
        check((stored ? errc::ok : stored.error()) == expected, [&] {
            return "store " + describe(key, order) + ": " +
                   error_name(stored ? errc::ok : stored.error()) + ", expected " +
                   error_name(expected);
        });
        for (uint32_t i = 0; i < pages; ++i) {
            if (stored)
                reference_.store(page(key, i), version);
            else
                reference_.erase(page(key, i));
        }
        if (stored && draw() % 4 == 0) {
            // Nothing ran since the store, so the whole folio must come back.
            const auto filled = pool_->restore(key, order, buffer_.data());
            check(filled->all(order), [&] {
                return "a folio just stored does not come back whole: " + describe(key, order);
            });
            for (uint32_t i = 0; i < pages; ++i)
                check_page(page(key, i), true, buffer_.data() + i * test_page_bytes);
        }
    }

    void restore() {
        const unsigned order = random_order();
        const page_key key = random_key(order);
        const auto filled = pool_->restore(key, order, buffer_.data());
        check(filled.has_value(), [&] { return "restore " + describe(key, order) + " refused"; });
        for (uint32_t i = 0; i < (1u << order); ++i)
            check_page(page(key, i), filled->test(i), buffer_.data() + i * test_page_bytes);
    }

    void restore_run() {
        const page_key key = random_key(0);
        const uint64_t count = 1 + draw() % 8;
        std::vector<unsigned char> pages(count * test_page_bytes);
        const auto restored =
            pool_->restore_run(key.fs, key.inode, key.index, count, [&](uint64_t index) noexcept {
                return static_cast<void*>(pages.data() + (index - key.index) * test_page_bytes);
            });
        check(restored.has_value() && *restored <= count,
              [&] { return "restore_run " + describe(key, 0) + " returned too many"; });
        for (uint64_t i = 0; i < *restored; ++i)
            check_page(page(key, static_cast<uint32_t>(i)), true,
                       pages.data() + i * test_page_bytes);
        if (*restored < count)
            check_page(page(key, static_cast<uint32_t>(*restored)), false, nullptr);
    }

    void check_page(const page_key& key, bool filled, const unsigned char* data) {
        if (!filled) {
            if (reference_.note_miss(key))
                ++allowed_misses_;
            return;
        }
        ++hits_;
        const auto* expected = reference_.restorable(key);
        check(expected != nullptr, [&] { // a hit the reference says must miss
            return "restore hit on " + describe(key, 0) + " at operation " +
                   std::to_string(operation_) + ", which the reference says must miss";
        });
        if constexpr (with_data)
            check(page_matches(data, key, expected->version), [&] {
                return "restore of " + describe(key, 0) + " at operation " +
                       std::to_string(operation_) + " returned other bytes than version " +
                       std::to_string(expected->version);
            });
        if constexpr (exclusive)
            reference_.erase(key); // the page left the pool
    }

    void invalidate() {
        const unsigned order = random_order();
        const page_key key = random_key(order);
        check(pool_->invalidate(key, order).has_value(), [] { return "invalidate refused"; });
        for (uint32_t i = 0; i < (1u << order); ++i)
            reference_.erase(page(key, i));
    }
    void invalidate_inode() {
        const page_key key = random_key(0);
        check(pool_->invalidate_inode(key.fs, key.inode).has_value(),
              [] { return "invalidate_inode refused"; });
        reference_.erase_inode(key.fs, key.inode);
    }
    void invalidate_fs() {
        const fs_id fs = filesystems_[draw() % filesystems_.size()];
        check(pool_->invalidate_fs(fs).has_value(), [] { return "invalidate_fs refused"; });
        reference_.erase_fs(fs);
    }
    void replace_fs() {
        const size_t which = draw() % filesystems_.size();
        check(pool_->remove_fs(filesystems_[which]).has_value(),
              [] { return "remove_fs refused"; });
        reference_.erase_fs(filesystems_[which]);
        check(pool_->invalidate_fs(filesystems_[which]).error() == errc::unknown_filesystem,
              [] { return "a removed filesystem is still known"; });
        filesystems_[which] = pool_->add_fs().value();
        reference_.erase_fs(filesystems_[which]); // a reused id starts empty
    }

    void take_back() {
        const uint32_t d = static_cast<uint32_t>(draw() % donor_count);
        if (donor_count > 1 && draw() % 16 == 0) { // another donor's page: refused
            const uint32_t other = (d + 1) % donor_count;
            const pfn_t pfn = pool_.ranges[other].first + draw() % pages_per_donor;
            check(pool_->take_back(d, pfn).error() == errc::not_donor_page,
                  [] { return "take_back of another donor's page was not refused"; });
            return;
        }
        const pfn_t pfn = pool_.ranges[d].first + draw() % pages_per_donor;
        const auto taken = pool_->take_back(d, pfn);
        const bool was_donated = donated_[d].erase(pfn) != 0;
        check(was_donated ? taken.has_value() : taken.error() == errc::not_donated, [&] {
            return "take_back(" + std::to_string(d) + ", " + std::to_string(pfn) +
                   (was_donated ? ") of a donated page failed" : ") of a page not donated");
        });
    }

    void donate() {
        const uint32_t d = static_cast<uint32_t>(draw() % donor_count);
        if (draw() % 4 == 0) { // a range with some pages already donated
            const uint64_t count = 1 + draw() % 12;
            const pfn_t first = pool_.ranges[d].first + draw() % (pages_per_donor - count + 1);
            std::vector<pfn_t> refused;
            std::vector<pfn_t> expected_refused;
            for (pfn_t pfn = first; pfn < first + count; ++pfn)
                if (!donated_[d].insert(pfn).second)
                    expected_refused.push_back(pfn);
            const uint64_t accepted =
                pool_->donate_range(d, {first, count}, [&](pfn_t pfn, errc e) noexcept {
                    refused.push_back(e == errc::already_donated ? pfn : ~pfn_t{0});
                });
            check(refused == expected_refused && accepted == count - expected_refused.size(),
                  [] { return "donate_range refused other pages than those already donated"; });
            return;
        }
        donate_one(d, pool_.ranges[d].first + draw() % pages_per_donor);
    }
    void donate_one(uint32_t d, pfn_t pfn) {
        const auto donated = pool_->donate(d, pfn);
        const bool fresh = donated_[d].insert(pfn).second;
        check(fresh ? donated.has_value() : donated.error() == errc::already_donated, [&] {
            return "donate(" + std::to_string(d) + ", " + std::to_string(pfn) +
                   (fresh ? ") of a page not donated failed" : ") of a donated page");
        });
    }

    // Without discardable memory, nothing: the dice fall to a restore, as they always did.
    bool host_discard([[maybe_unused]] unsigned dice) {
        if constexpr (discardable) {
            if (dice < 980)
                discard();
            else
                discard_and_notify();
            return true;
        } else {
            return false;
        }
    }
    // The host discards a page of a donor, donated or not, without a word: only the
    // generation tells the pool.
    void discard() {
        const uint32_t d = static_cast<uint32_t>(draw() % donor_count);
        device_->discard(pool_.ranges[d].first + draw() % pages_per_donor);
        ++discards_;
    }
    // The host discards a run of a donor's pages and says so: the pool drops them at once, and
    // refuses a range that is not all the donor's, changing nothing.
    void discard_and_notify() {
        const uint32_t d = static_cast<uint32_t>(draw() % donor_count);
        const uint64_t count = 1 + draw() % 4;
        const pfn_t first = pool_.ranges[d].first + draw() % (pages_per_donor - count + 1);
        if (draw() % 16 == 0) {
            const pfn_range beyond{pool_.ranges[d].first + pages_per_donor - 1, 2};
            check(pool_->on_discarded(d, beyond).error() == errc::not_donor_page,
                  [] { return "on_discarded of a range beyond the donor was not refused"; });
            return;
        }
        for (pfn_t pfn = first; pfn < first + count; ++pfn)
            device_->discard(pfn);
        discards_ += count;
        const auto dropped = pool_->on_discarded(d, {first, count});
        check(dropped.has_value() && *dropped <= count,
              [] { return "on_discarded of a donor's pages failed or dropped too many"; });
    }

    void check() {
        const char* broken = pool_->check_invariants();
        check(broken == nullptr,
              [&] { return "after operation " + std::to_string(operation_) + ": " + broken; });
        for (uint32_t d = 0; d < donor_count; ++d)
            check(pool_->donor_info(d)->size == donated_[d].size(),
                  [] { return "a donor's size differs from the pages it donated"; });
    }

    static page_key page(const page_key& key, uint32_t i) {
        return {key.fs, key.inode, key.index + i};
    }
    static std::string describe(const page_key& key, unsigned order) {
        return "fs " + std::to_string(key.fs) + " inode " + std::to_string(key.inode) + " index " +
               std::to_string(key.index) + " order " + std::to_string(order);
    }

    uint64_t draw() { return driver_.draw(); }
    // A broken expectation: the driver fails with `what`, built only then.
    template <class What>
    void check(bool ok, What&& what) {
        if (!ok)
            driver_.fail(what());
    }

    std::unique_ptr<test_discard_device> make_device() {
        std::vector<pfn_range> ranges;
        for (uint32_t d = 0; d < donor_count; ++d)
            ranges.push_back(test_donor_range(d, pages_per_donor));
        return std::make_unique<test_discard_device>(ranges);
    }
    static typename Config::page_memory page_memory(test_discard_device* device) {
        if constexpr (discardable)
            return typename Config::page_memory{device};
        else
            return {};
    }

    Driver& driver_;
    std::unique_ptr<test_discard_device> device_; // discardable configurations only
    pool_with_donors<Config> pool_;
    reference_cleancache reference_;
    std::vector<std::set<pfn_t>> donated_;
    std::vector<fs_id> filesystems_;
    std::vector<unsigned char> buffer_;
    uint64_t version_ = 0;
    uint64_t operation_ = 0;
    uint64_t allowed_misses_ = 0;
    uint64_t hits_ = 0;
    uint64_t discards_ = 0;
};

} // namespace tagcache::test
