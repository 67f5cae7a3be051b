// CTorch: a C API over libtorch, the only C++ in detectd.
//
// Conventions, for every function here:
// - The return value is a status: 0 on success, nonzero on failure. On failure the backend's message is kept
//   in a thread-local buffer that ct_last_error() returns until the next failing call on the same thread.
// - Results come back through out-parameters; a returned handle is owned by the caller and freed exactly
//   once with its kind's free function (ct_tensor_free, ct_optimizer_free).
// - Input handles are borrowed, never freed or retained by the callee.
// - No C++ exception ever crosses this boundary.
// - There is no policy here: no model logic, no defaults beyond libtorch's own.

#ifndef CTORCH_H
#define CTORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An owned at::Tensor. Free with ct_tensor_free.
typedef struct ct_tensor_s *ct_tensor;
/// An owned torch::optim::Optimizer. Free with ct_optimizer_free.
typedef struct ct_optimizer_s *ct_optimizer;

/// Element types; values are stable and mirrored by Swift's DType.
typedef enum {
    CT_FLOAT32 = 0,
    CT_FLOAT64 = 1,
    CT_FLOAT16 = 2,
    CT_BFLOAT16 = 3,
    CT_INT64 = 4,
    CT_INT32 = 5,
    CT_INT16 = 6,
    CT_INT8 = 7,
    CT_UINT8 = 8,
    CT_BOOL = 9,
} ct_dtype;

/// Element-wise functions of one tensor.
typedef enum {
    CT_NEG = 0,
    CT_EXP,
    CT_LOG,
    CT_SQRT,
    CT_ABS,
    CT_SIGMOID,
    CT_RELU,
    CT_SILU,
    CT_ATAN,
    CT_TANH,
    CT_FLOOR,
    CT_CEIL,
    CT_ROUND,
    CT_LOGICAL_NOT,
    CT_SIGN,
    CT_RECIPROCAL,
    CT_SIN,
    CT_COS,
} ct_unary_op;

/// Broadcasting binary functions.
typedef enum {
    CT_ADD = 0,
    CT_SUB,
    CT_MUL,
    CT_DIV,
    CT_POW,
    CT_MINIMUM,
    CT_MAXIMUM,
    CT_EQ,
    CT_NE,
    CT_LT,
    CT_LE,
    CT_GT,
    CT_GE,
    CT_LOGICAL_AND,
    CT_LOGICAL_OR,
    CT_ATAN2,
    CT_REMAINDER,
} ct_binary_op;

/// Reductions over a set of dimensions.
typedef enum {
    CT_SUM = 0,
    CT_MEAN,
    CT_AMAX,
    CT_AMIN,
    CT_PROD,
} ct_reduce_op;

/// Loss reductions, with libtorch's values.
typedef enum {
    CT_REDUCTION_NONE = 0,
    CT_REDUCTION_MEAN = 1,
    CT_REDUCTION_SUM = 2,
} ct_reduction;

// MARK: - Errors and process settings

/// The message of the last failure on this thread, or "" when there was none. Valid until the next call.
const char *ct_last_error(void);
/// Seeds libtorch's default CPU generator (torch::manual_seed).
int ct_manual_seed(uint64_t seed);
/// Sets the intra-op thread count (at::set_num_threads). Process-wide.
int ct_set_num_threads(int32_t count);
/// Reads the intra-op thread count (at::get_num_threads).
int ct_get_num_threads(int32_t *count);
/// Enables or disables gradient recording on this thread (at::GradMode); `previous` receives the old state.
int ct_set_grad_enabled(bool enabled, bool *previous);
/// Whether gradient recording is enabled on this thread.
int ct_is_grad_enabled(bool *enabled);

// MARK: - Tensor lifetime and facts

/// Frees a tensor handle. Accepts NULL.
void ct_tensor_free(ct_tensor tensor);
/// A new handle to the same tensor (shares storage and autograd identity).
int ct_tensor_share(ct_tensor tensor, ct_tensor *out);
/// The element type.
int ct_tensor_dtype(ct_tensor tensor, ct_dtype *out);
/// The number of dimensions.
int ct_tensor_dim(ct_tensor tensor, int64_t *out);
/// Copies up to `capacity` sizes into `sizes`; `dim` receives the true number of dimensions.
int ct_tensor_sizes(ct_tensor tensor, int64_t *sizes, int64_t capacity, int64_t *dim);
/// Copies up to `capacity` strides (in elements) into `strides`; `dim` receives the number of dimensions.
int ct_tensor_strides(ct_tensor tensor, int64_t *strides, int64_t capacity, int64_t *dim);
/// The number of elements.
int ct_tensor_numel(ct_tensor tensor, int64_t *out);
/// Whether the tensor is contiguous in `channels_last` (true) or in the default (false) memory format.
int ct_tensor_is_contiguous(ct_tensor tensor, bool channels_last, bool *out);
/// Whether the handle holds a defined tensor.
int ct_tensor_is_defined(ct_tensor tensor, bool *out);
/// The address of the first element; only meaningful for a contiguous CPU tensor.
int ct_tensor_data_ptr(ct_tensor tensor, void **out);
/// Copies the elements, in row-major order and the tensor's own type, into `destination`, which holds
/// exactly `byte_count` bytes; fails when the sizes differ.
int ct_tensor_copy_to(ct_tensor tensor, void *destination, int64_t byte_count);
/// The value of a one-element tensor as a double (Tensor::item).
int ct_tensor_item_double(ct_tensor tensor, double *out);
/// The value of a one-element tensor as an int64 (Tensor::item).
int ct_tensor_item_int64(ct_tensor tensor, int64_t *out);

// MARK: - Creation

/// Copies `byte_count` bytes of row-major elements into a new tensor of `sizes` and `dtype`.
int ct_tensor_from_bytes(const void *data, int64_t byte_count, const int64_t *sizes, int64_t dim, ct_dtype dtype,
                         ct_tensor *out);
/// Wraps caller memory without copying (torch::from_blob). libtorch calls `release(context)` once when the
/// last tensor that uses the memory goes away; until then the memory must stay valid and unchanged by others.
int ct_tensor_from_blob(void *data, const int64_t *sizes, int64_t dim, ct_dtype dtype, void (*release)(void *),
                        void *context, ct_tensor *out);
/// Uninitialised storage (at::empty).
int ct_empty(const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out);
/// Every element equal to `value` (at::full; zeros and ones are fills of 0 and 1).
int ct_full(const int64_t *sizes, int64_t dim, double value, ct_dtype dtype, ct_tensor *out);
/// Uniform samples in [0, 1) (at::rand).
int ct_rand(const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out);
/// Standard normal samples (at::randn).
int ct_randn(const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out);
/// Integers sampled uniformly from [low, high) (at::randint).
int ct_randint(int64_t low, int64_t high, const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out);
/// Values from `start` up to but excluding `end` in steps of `step` (at::arange).
int ct_arange(double start, double end, double step, ct_dtype dtype, ct_tensor *out);
/// A random permutation of 0..<n as int64 (at::randperm).
int ct_randperm(int64_t n, ct_tensor *out);

// MARK: - Conversion and layout

/// A copy in a new element type (Tensor::to); returns the same storage when the type already matches.
int ct_to_dtype(ct_tensor tensor, ct_dtype dtype, ct_tensor *out);
/// A contiguous tensor in the default (`channels_last` false) or channels-last memory format.
int ct_contiguous(ct_tensor tensor, bool channels_last, ct_tensor *out);
/// A deep copy (Tensor::clone), keeping the memory format.
int ct_clone(ct_tensor tensor, ct_tensor *out);
/// Copies `source` into `destination` in place, broadcasting and converting (Tensor::copy_).
int ct_copy_(ct_tensor destination, ct_tensor source);
/// Sets every element of `tensor` to `value` in place (Tensor::fill_).
int ct_fill_(ct_tensor tensor, double value);

// MARK: - Element-wise arithmetic

/// One-tensor function `op`.
int ct_unary(ct_unary_op op, ct_tensor x, ct_tensor *out);
/// One-tensor function `op`, in place.
int ct_unary_(ct_unary_op op, ct_tensor x);
/// Broadcasting `op(a, b)`.
int ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b, ct_tensor *out);
/// Broadcasting `op(a, scalar)`.
int ct_binary_scalar(ct_binary_op op, ct_tensor a, double scalar, ct_tensor *out);
/// `op(scalar, b)`, for the operations whose scalar comes first (sub, div, pow).
int ct_scalar_binary(ct_binary_op op, double scalar, ct_tensor b, ct_tensor *out);
/// `a = op(a, b)` in place; only arithmetic and min/max ops.
int ct_binary_(ct_binary_op op, ct_tensor a, ct_tensor b);
/// `a = op(a, scalar)` in place; only arithmetic and min/max ops.
int ct_binary_scalar_(ct_binary_op op, ct_tensor a, double scalar);
/// `a += alpha * b` in place (Tensor::add_ with alpha).
int ct_add_scaled_(ct_tensor a, ct_tensor b, double alpha);
/// Clamps to [min, max]; a bound is ignored when its `has_` flag is false.
int ct_clamp(ct_tensor x, bool has_min, double min, bool has_max, double max, ct_tensor *out);
/// Clamps in place, as ct_clamp.
int ct_clamp_(ct_tensor x, bool has_min, double min, bool has_max, double max);
/// Leaky ReLU with the given negative slope (at::leaky_relu).
int ct_leaky_relu(ct_tensor x, double negative_slope, ct_tensor *out);
/// Leaky ReLU in place.
int ct_leaky_relu_(ct_tensor x, double negative_slope);
/// `condition ? a : b`, broadcasting (at::where).
int ct_where(ct_tensor condition, ct_tensor a, ct_tensor b, ct_tensor *out);
/// Sets `x` to `value` where `mask` is true, returning a new tensor (at::masked_fill).
int ct_masked_fill(ct_tensor x, ct_tensor mask, double value, ct_tensor *out);
/// Matrix product with broadcasting batch dimensions (at::matmul).
int ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out);
/// Softmax (`log` false) or log-softmax (`log` true) along `dim`.
int ct_softmax(ct_tensor x, int64_t dim, bool log, ct_tensor *out);

// MARK: - Reductions and ordering

/// Reduces over `dims` (all dimensions when `count` is 0), keeping reduced dimensions when `keepdim`.
int ct_reduce(ct_reduce_op op, ct_tensor x, const int64_t *dims, int64_t count, bool keepdim, ct_tensor *out);
/// Maximum (`is_max`) or minimum along `dim` with the indices where it occurs.
int ct_extremum_dim(ct_tensor x, int64_t dim, bool keepdim, bool is_max, ct_tensor *values, ct_tensor *indices);
/// Index of the maximum along `dim` (at::argmax).
int ct_argmax(ct_tensor x, int64_t dim, bool keepdim, ct_tensor *out);
/// The `k` largest (`largest`) or smallest elements along `dim`, sorted when `sorted`.
int ct_topk(ct_tensor x, int64_t k, int64_t dim, bool largest, bool sorted, ct_tensor *values, ct_tensor *indices);
/// Sorts along `dim`, descending when `descending`, stable.
int ct_sort(ct_tensor x, int64_t dim, bool descending, ct_tensor *values, ct_tensor *indices);
/// Cumulative sum along `dim`.
int ct_cumsum(ct_tensor x, int64_t dim, ct_tensor *out);

// MARK: - Shape and indexing

/// A tensor of the new shape, a view when possible (at::reshape). One size may be -1.
int ct_reshape(ct_tensor x, const int64_t *sizes, int64_t dim, ct_tensor *out);
/// A view of the new shape; fails when the strides do not allow it (Tensor::view).
int ct_view(ct_tensor x, const int64_t *sizes, int64_t dim, ct_tensor *out);
/// Reorders dimensions (Tensor::permute).
int ct_permute(ct_tensor x, const int64_t *order, int64_t dim, ct_tensor *out);
/// Swaps two dimensions (Tensor::transpose).
int ct_transpose(ct_tensor x, int64_t dim0, int64_t dim1, ct_tensor *out);
/// A view of `length` elements from `start` along `dim` (Tensor::narrow).
int ct_narrow(ct_tensor x, int64_t dim, int64_t start, int64_t length, ct_tensor *out);
/// A view of `start..<end` in steps of `step` along `dim` (Tensor::slice).
int ct_slice(ct_tensor x, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out);
/// Broadcasts to `sizes` without copying (Tensor::expand); -1 keeps a size.
int ct_expand(ct_tensor x, const int64_t *sizes, int64_t dim, ct_tensor *out);
/// Inserts a dimension of size 1 at `dim`.
int ct_unsqueeze(ct_tensor x, int64_t dim, ct_tensor *out);
/// Removes dimension `dim` if its size is 1.
int ct_squeeze(ct_tensor x, int64_t dim, ct_tensor *out);
/// Selects entries along `dim` by an int64 `index` (at::index_select).
int ct_index_select(ct_tensor x, int64_t dim, ct_tensor index, ct_tensor *out);
/// Gathers values along `dim` (at::gather).
int ct_gather(ct_tensor x, int64_t dim, ct_tensor index, ct_tensor *out);
/// Writes `source` into a copy of `x` along `dim` at `index` (at::scatter).
int ct_scatter(ct_tensor x, int64_t dim, ct_tensor index, ct_tensor source, ct_tensor *out);
/// The elements where `mask` is true, as one dimension (at::masked_select).
int ct_masked_select(ct_tensor x, ct_tensor mask, ct_tensor *out);
/// The coordinates of nonzero elements, [count, dim] int64 (at::nonzero).
int ct_nonzero(ct_tensor x, ct_tensor *out);
/// Advanced indexing `x[i0, i1, ...]` with one int64 or bool tensor per leading dimension (at::index).
int ct_index(ct_tensor x, const ct_tensor *indices, int64_t count, ct_tensor *out);
/// `x[i0, i1, ...] = values` (or `+=` when `accumulate`) in place (Tensor::index_put_).
int ct_index_put_(ct_tensor x, const ct_tensor *indices, int64_t count, ct_tensor values, bool accumulate);
/// Concatenates along an existing dimension (at::cat).
int ct_cat(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out);
/// Stacks along a new dimension (at::stack).
int ct_stack(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out);

// MARK: - Neural-network functions

/// 2-D convolution; `bias` may be NULL. `stride`, `padding` and `dilation` hold two values each.
int ct_conv2d(ct_tensor input, ct_tensor weight, ct_tensor bias, const int64_t *stride, const int64_t *padding,
              const int64_t *dilation, int64_t groups, ct_tensor *out);
/// Batch normalisation (at::batch_norm). In training mode it normalises with batch statistics and updates
/// `running_mean` and `running_var` in place with `momentum`; otherwise it uses them. Any of the four
/// parameter tensors may be NULL.
int ct_batch_norm(ct_tensor input, ct_tensor weight, ct_tensor bias, ct_tensor running_mean, ct_tensor running_var,
                  bool training, double momentum, double eps, ct_tensor *out);
/// 2-D max pooling; `kernel`, `stride`, `padding` and `dilation` hold two values each.
int ct_max_pool2d(ct_tensor input, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  const int64_t *dilation, bool ceil_mode, ct_tensor *out);
/// Nearest-neighbour upsampling of an NCHW tensor to `height` x `width` (at::upsample_nearest2d).
int ct_upsample_nearest2d(ct_tensor input, int64_t height, int64_t width, ct_tensor *out);
/// Binary cross-entropy on logits (at::binary_cross_entropy_with_logits); `weight` and `pos_weight` may
/// be NULL.
int ct_bce_with_logits(ct_tensor logits, ct_tensor target, ct_tensor weight, ct_tensor pos_weight,
                       ct_reduction reduction, ct_tensor *out);

// MARK: - Autograd

/// Marks the tensor as a leaf that records gradients (Tensor::requires_grad_).
int ct_set_requires_grad(ct_tensor tensor, bool requires_grad);
/// Whether the tensor records gradients.
int ct_requires_grad(ct_tensor tensor, bool *out);
/// Back-propagates from `tensor`; `gradient` may be NULL for a scalar.
int ct_backward(ct_tensor tensor, ct_tensor gradient, bool retain_graph);
/// The accumulated gradient, or NULL in `out` when there is none.
int ct_grad(ct_tensor tensor, ct_tensor *out);
/// Drops the accumulated gradient (sets it undefined).
int ct_zero_grad(ct_tensor tensor);
/// A tensor that shares storage and records no history (Tensor::detach).
int ct_detach(ct_tensor tensor, ct_tensor *out);

// MARK: - Optimizers

/// Options of one SGD parameter group.
typedef struct {
    double lr;
    double momentum;
    double dampening;
    double weight_decay;
    bool nesterov;
} ct_sgd_options;

/// Options of one AdamW parameter group.
typedef struct {
    double lr;
    double beta1;
    double beta2;
    double eps;
    double weight_decay;
    bool amsgrad;
} ct_adamw_options;

/// A new SGD optimizer over one group of parameters; add more with ct_optimizer_add_sgd_group.
int ct_optimizer_sgd(const ct_tensor *parameters, int64_t count, ct_sgd_options options, ct_optimizer *out);
/// Appends a parameter group with its own options to an SGD optimizer.
int ct_optimizer_add_sgd_group(ct_optimizer optimizer, const ct_tensor *parameters, int64_t count,
                               ct_sgd_options options);
/// A new AdamW optimizer over one group of parameters; add more with ct_optimizer_add_adamw_group.
int ct_optimizer_adamw(const ct_tensor *parameters, int64_t count, ct_adamw_options options, ct_optimizer *out);
/// Appends a parameter group with its own options to an AdamW optimizer.
int ct_optimizer_add_adamw_group(ct_optimizer optimizer, const ct_tensor *parameters, int64_t count,
                                 ct_adamw_options options);
/// The number of parameter groups.
int ct_optimizer_group_count(ct_optimizer optimizer, int64_t *out);
/// Sets the learning rate of group `group`.
int ct_optimizer_set_lr(ct_optimizer optimizer, int64_t group, double lr);
/// Reads the learning rate of group `group`.
int ct_optimizer_get_lr(ct_optimizer optimizer, int64_t group, double *out);
/// Sets SGD momentum (or AdamW beta1) of group `group`.
int ct_optimizer_set_momentum(ct_optimizer optimizer, int64_t group, double momentum);
/// One update of every parameter from its gradient.
int ct_optimizer_step(ct_optimizer optimizer);
/// Drops the gradients of every parameter.
int ct_optimizer_zero_grad(ct_optimizer optimizer);
/// Frees an optimizer handle. Accepts NULL.
void ct_optimizer_free(ct_optimizer optimizer);

#ifdef __cplusplus
}
#endif

#endif
