// Moving items from stage to stage as their outcomes arrive, and assembling each item's record.
#include "ferry/producer/stage_run.hpp"

#include <fmt/format.h>

namespace ferry::producer {
namespace {

// Nil for a failed branch, the result for a finished one, a list for a fan-out.
void pack_branch(msgpack::sbuffer& buffer, const auto& branch) {
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    if (branch.fanned) {
        packer.pack_array(static_cast<std::uint32_t>(branch.children.size()));
        for (const auto& child : branch.children)
            pack_branch(buffer, child);
    } else if (branch.failed || branch.result.empty()) {
        packer.pack_nil();
    } else {
        buffer.write(branch.result.data(), branch.result.size());
    }
}

wire::Error invalid_argument(std::string message) {
    return wire::Error{std::string(wire::code_name(wire::ErrorCode::invalid_argument)),
                       std::move(message),
                       {},
                       {},
                       {}};
}

} // namespace

StageRun::StageRun(std::shared_ptr<const StagePlan> plan) : plan_(std::move(plan)) {}

StageStep StageRun::start(InputRecord record, Clock::time_point now) {
    auto [it, inserted] = items_.try_emplace(record.index);
    Item& item = it->second;
    item.id = std::move(record.id);
    item.index = record.index;
    item.captured = std::move(record.captured);
    item.started = now;
    if (plan_->reads_input())
        item.input = record.payload;
    StageStep step;
    step.captured = &item.captured;
    JobPlace place{item.index, 0, {}, item.id};
    if (plan_->stage(0).payload.empty()) { // the input payload as it is: nothing to unpack
        add_built_job(item, std::move(place), std::move(record.payload), step);
    } else {
        msgpack::object_handle input =
            msgpack::unpack(record.payload.data(), record.payload.size());
        StageValues values;
        values.input = &input.get();
        add_job(item, std::move(place), values, item.root, step);
    }
    if (item.open == 0)
        step.finished = finish(item, now);
    return step;
}

std::optional<StageStep> StageRun::advance(std::string_view id, const StageOutcome& outcome,
                                           Clock::time_point now) {
    auto found = jobs_.find(std::string(id));
    if (found == jobs_.end())
        return std::nullopt;
    const JobPlace place = std::move(found->second);
    jobs_.erase(found);
    Item& item = items_.at(place.index);
    --item.open;
    item.attempts += outcome.attempts;
    if (!outcome.worker.empty())
        item.worker.assign(outcome.worker);
    if (outcome.delivery)
        item.deliveries.push_back(*outcome.delivery);
    StageStep step;
    step.stage = plan_->stage(place.stage).name;
    step.captured = &item.captured;
    Branch& branch = branch_at(item, place.path);
    if (!outcome.ok) {
        fail_branch(item, branch, place, step.stage, outcome.error, outcome.causes);
    } else if (place.stage + 1 == plan_->size()) {
        branch.result.assign(outcome.result);
    } else if (passes_result_on(place.stage + 1)) {
        add_built_job(item, JobPlace{place.index, place.stage + 1, place.path, place.item_id},
                      std::string(outcome.result), step);
    } else {
        try {
            msgpack::object_handle result =
                msgpack::unpack(outcome.result.data(), outcome.result.size());
            make_jobs(item, branch, place, &result.get(), step);
        } catch (const msgpack::unpack_error& error) {
            fail_branch(item, branch, place, step.stage,
                        invalid_argument(fmt::format("the result is not valid MessagePack ({}); "
                                                     "the next stage cannot read it",
                                                     error.what())),
                        {});
        }
    }
    if (item.open == 0)
        step.finished = finish(item, now);
    return step;
}

// Whether stage `index` takes the previous result unchanged (no fan-out, no mapping): it is then
// passed on as the bytes that came, without being unpacked.
bool StageRun::passes_result_on(std::size_t index) const {
    const StageSpec& stage = plan_->stage(index);
    return stage.for_each.empty() && stage.payload.empty();
}

// The jobs of the stage after `from` for one finished branch: one job, or one per element.
void StageRun::make_jobs(Item& item, Branch& branch, const JobPlace& from,
                         const msgpack::object* result, StageStep& step) {
    const std::size_t next = from.stage + 1;
    msgpack::object_handle input;
    StageValues values;
    values.result = result;
    if (plan_->reads_input()) {
        input = msgpack::unpack(item.input.data(), item.input.size());
        values.input = &input.get();
    }
    if (plan_->stage(next).for_each.empty()) {
        add_job(item, JobPlace{from.index, next, from.path, from.item_id}, values, branch, step);
        return;
    }
    std::string error;
    std::optional<msgpack::object_array> list = plan_->fan_out_list(next, *result, error);
    if (!list) {
        fail_branch(item, branch, from, plan_->stage(next).name, invalid_argument(error), {});
        return;
    }
    branch.fanned = true;
    branch.children.resize(list->size);
    for (std::uint32_t k = 0; k < list->size; ++k) {
        JobPlace place{from.index, next, from.path, fmt::format("{}/{}", from.item_id, k)};
        place.path.push_back(k);
        values.item = &list->ptr[k];
        add_job(item, std::move(place), values, branch.children[k], step);
    }
}

// One job for `place`, or the branch's failure when its payload cannot be built.
void StageRun::add_job(Item& item, JobPlace place, const StageValues& values, Branch& branch,
                       StageStep& step) {
    const StageSpec& stage = plan_->stage(place.stage);
    BuiltPayload payload = plan_->payload_for(place.stage, values);
    if (!payload.error.empty()) {
        fail_branch(item, branch, place, stage.name, invalid_argument(payload.error), {});
        return;
    }
    add_built_job(item, std::move(place), std::move(payload.bytes), step);
}

void StageRun::add_built_job(Item& item, JobPlace place, std::string payload, StageStep& step) {
    const StageSpec& stage = plan_->stage(place.stage);
    StageJob job{fmt::format("{}:{}", stage.name, place.item_id), stage.type, std::move(payload),
                 item.index};
    jobs_.insert_or_assign(job.id, std::move(place));
    step.jobs.push_back(std::move(job));
    ++item.open;
}

void StageRun::fail_branch(Item& item, Branch& branch, const JobPlace& place,
                           std::string_view stage, wire::Error error,
                           std::vector<wire::Error> causes) {
    branch.failed = true;
    branch.fanned = false;
    branch.children.clear();
    item.failures.push_back(
        BranchFailure{place.item_id, std::string(stage), std::move(error), std::move(causes)});
}

StageRun::Branch& StageRun::branch_at(Item& item, const std::vector<std::uint32_t>& path) {
    Branch* branch = &item.root;
    for (const std::uint32_t k : path)
        branch = &branch->children.at(k);
    return *branch;
}

// The item's record: ok when no branch failed; a failed record names the first failure's stage
// and carries its error, and, after a fan-out, the other branches' results.
FinishedItem StageRun::finish(Item& item, Clock::time_point now) {
    FinishedItem done;
    done.captured = std::move(item.captured);
    done.failures = std::move(item.failures);
    done.deliveries = std::move(item.deliveries);
    const bool fanned = item.root.fanned;
    if (done.failures.empty() || fanned) {
        msgpack::sbuffer buffer;
        pack_branch(buffer, item.root);
        done.result.assign(buffer.data(), buffer.size());
    }
    JobOutcome& outcome = done.outcome;
    outcome.index = item.index;
    outcome.ok = done.failures.empty();
    outcome.attempts = item.attempts;
    outcome.ms = std::chrono::duration<double, std::milli>(now - item.started).count();
    if (!outcome.ok) {
        const BranchFailure& first = done.failures.front();
        done.failed_stage = first.stage;
        outcome.error = first.error;
        outcome.causes = first.causes;
    }
    done.fanned = fanned;
    done.id = std::move(item.id);
    done.worker = std::move(item.worker);
    items_.erase(item.index);
    return done;
}

const JobOutcome& FinishedItem::bound() {
    outcome.id = id;
    outcome.worker = worker;
    outcome.result = result;
    outcome.stage = failed_stage;
    outcome.branches = fanned && !failures.empty() ? &failures : nullptr;
    outcome.more_deliveries = &deliveries;
    return outcome;
}

} // namespace ferry::producer
