// Optimizers: SGD (momentum, Nesterov, weight decay) and AdamW, with parameter groups.

#include "ctorch_internal.hpp"

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <memory>

struct ct_optimizer_s {
    std::unique_ptr<torch::optim::Optimizer> optimizer;
};

using ctorch::guarded;
using ctorch::require_out;

namespace {

torch::optim::SGDOptions sgd_options(const ct_sgd_options &options) {
    return torch::optim::SGDOptions(options.lr)
        .momentum(options.momentum)
        .dampening(options.dampening)
        .weight_decay(options.weight_decay)
        .nesterov(options.nesterov);
}

torch::optim::AdamWOptions adamw_options(const ct_adamw_options &options) {
    return torch::optim::AdamWOptions(options.lr)
        .betas(std::make_tuple(options.beta1, options.beta2))
        .eps(options.eps)
        .weight_decay(options.weight_decay)
        .amsgrad(options.amsgrad);
}

torch::optim::Optimizer &optimizer_of(ct_optimizer handle) {
    if (handle == nullptr || !handle->optimizer) {
        throw std::invalid_argument("null optimizer handle");
    }
    return *handle->optimizer;
}

torch::optim::OptimizerParamGroup &group_of(ct_optimizer handle, int64_t group) {
    auto &groups = optimizer_of(handle).param_groups();
    if (group < 0 || static_cast<size_t>(group) >= groups.size()) {
        throw std::out_of_range("parameter group " + std::to_string(group) + " of " + std::to_string(groups.size()));
    }
    return groups[static_cast<size_t>(group)];
}

template <typename Options>
void add_group(ct_optimizer handle, const ct_tensor *parameters, int64_t count, Options options) {
    auto &optimizer = optimizer_of(handle);
    optimizer.add_param_group(torch::optim::OptimizerParamGroup(
        ctorch::tensors_of(parameters, count), std::make_unique<Options>(std::move(options))));
}

}  // namespace

extern "C" int ct_optimizer_sgd(const ct_tensor *parameters, int64_t count, ct_sgd_options options,
                                ct_optimizer *out) {
    return guarded([&] {
        require_out(out);
        auto optimizer = std::make_unique<torch::optim::SGD>(ctorch::tensors_of(parameters, count),
                                                             sgd_options(options));
        *out = new ct_optimizer_s{std::move(optimizer)};
    });
}

extern "C" int ct_optimizer_add_sgd_group(ct_optimizer optimizer, const ct_tensor *parameters, int64_t count,
                                          ct_sgd_options options) {
    return guarded([&] {
        if (dynamic_cast<torch::optim::SGD *>(&optimizer_of(optimizer)) == nullptr) {
            throw std::invalid_argument("not an SGD optimizer");
        }
        add_group(optimizer, parameters, count, sgd_options(options));
    });
}

extern "C" int ct_optimizer_adamw(const ct_tensor *parameters, int64_t count, ct_adamw_options options,
                                  ct_optimizer *out) {
    return guarded([&] {
        require_out(out);
        auto optimizer = std::make_unique<torch::optim::AdamW>(ctorch::tensors_of(parameters, count),
                                                               adamw_options(options));
        *out = new ct_optimizer_s{std::move(optimizer)};
    });
}

extern "C" int ct_optimizer_add_adamw_group(ct_optimizer optimizer, const ct_tensor *parameters, int64_t count,
                                            ct_adamw_options options) {
    return guarded([&] {
        if (dynamic_cast<torch::optim::AdamW *>(&optimizer_of(optimizer)) == nullptr) {
            throw std::invalid_argument("not an AdamW optimizer");
        }
        add_group(optimizer, parameters, count, adamw_options(options));
    });
}

extern "C" int ct_optimizer_group_count(ct_optimizer optimizer, int64_t *out) {
    return guarded([&] { *require_out(out) = static_cast<int64_t>(optimizer_of(optimizer).param_groups().size()); });
}

extern "C" int ct_optimizer_set_lr(ct_optimizer optimizer, int64_t group, double lr) {
    return guarded([&] { group_of(optimizer, group).options().set_lr(lr); });
}

extern "C" int ct_optimizer_get_lr(ct_optimizer optimizer, int64_t group, double *out) {
    return guarded([&] { *require_out(out) = group_of(optimizer, group).options().get_lr(); });
}

extern "C" int ct_optimizer_set_momentum(ct_optimizer optimizer, int64_t group, double momentum) {
    return guarded([&] {
        auto &options = group_of(optimizer, group).options();
        if (auto *sgd = dynamic_cast<torch::optim::SGDOptions *>(&options)) {
            sgd->momentum(momentum);
        } else if (auto *adamw = dynamic_cast<torch::optim::AdamWOptions *>(&options)) {
            adamw->betas(std::make_tuple(momentum, std::get<1>(adamw->betas())));
        } else {
            throw std::invalid_argument("optimizer has no momentum");
        }
    });
}

extern "C" int ct_optimizer_step(ct_optimizer optimizer) {
    return guarded([&] { optimizer_of(optimizer).step(); });
}

extern "C" int ct_optimizer_zero_grad(ct_optimizer optimizer) {
    return guarded([&] { optimizer_of(optimizer).zero_grad(); });
}

extern "C" void ct_optimizer_free(ct_optimizer optimizer) { delete optimizer; }
