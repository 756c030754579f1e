#include "sampling/unipc_sampler.h"

#include "core/error.h"

#include <algorithm>

namespace blade::sampling {

UniPCSampler::UniPCSampler(Schedule schedule)
    : Sampler(std::move(schedule)),
      sigmas_(torch::tensor(schedule_.sigmas, torch::kFloat64).to(torch::kFloat32)) {
  if (!(schedule_.sigmas.front() < 1.0)) {
    fail(ErrorKind::InvalidArgument, "unipc: the first sigma must be below 1 (log(1 - sigma) is used), got {}",
         schedule_.sigmas.front());
  }
}

torch::Tensor UniPCSampler::lambda(int index) const {
  const auto sigma = sigmas_[index];
  const auto alpha = 1 - sigma;
  return torch::log(alpha) - torch::log(sigma);
}

torch::Tensor UniPCSampler::predict(const torch::Tensor& x, int index, int order) const {
  const auto& m0 = x0_history_[kSolverOrder - 1];
  const auto sigma_t = sigmas_[index + 1];
  const auto sigma_s0 = sigmas_[index];
  const auto alpha_t = 1 - sigma_t;
  const auto lambda_s0 = lambda(index);
  const auto h = lambda(index + 1) - lambda_s0;  // +inf at the last step (sigma_t = 0)
  const auto hh = -h;
  const auto h_phi_1 = torch::expm1(hh);
  const auto b_h = torch::expm1(hh);

  auto x_t = sigma_t / sigma_s0 * x - alpha_t * h_phi_1 * m0;
  if (order == 2) {
    const auto rk = (lambda(index - 1) - lambda_s0) / h;
    const auto d1 = (x0_history_[0] - m0) / rk;
    // For order 2 the predictor's coefficient is fixed at 0.5 (diffusers' simplified version).
    const auto rho_p = torch::tensor(0.5, torch::TensorOptions().dtype(x.scalar_type()));
    x_t = x_t - alpha_t * b_h * (rho_p * d1);
  }
  return x_t.to(x.scalar_type());
}

torch::Tensor UniPCSampler::correct(const torch::Tensor& x0_now, const torch::Tensor& last_sample, int index,
                                    int order) const {
  const auto& x = last_sample;
  const auto& m0 = x0_history_[kSolverOrder - 1];
  const auto sigma_t = sigmas_[index];
  const auto sigma_s0 = sigmas_[index - 1];
  const auto alpha_t = 1 - sigma_t;
  const auto lambda_s0 = lambda(index - 1);
  const auto h = lambda(index) - lambda_s0;
  const auto hh = -h;
  const auto h_phi_1 = torch::expm1(hh);
  const auto b_h = torch::expm1(hh);

  torch::Tensor d1;
  torch::Tensor rhos_c;
  if (order == 1) {
    rhos_c = torch::tensor({0.5}, torch::TensorOptions().dtype(x.scalar_type()));
  } else {
    const auto rk = (lambda(index - 2) - lambda_s0) / h;
    d1 = (x0_history_[0] - m0) / rk;
    // Solve R rho = b with R = [[1, 1], [rk, 1]] and b_i = h phi_(i+1)(h) i! / B(h), in float32 on the
    // CPU as the reference does.
    const auto rks = torch::stack({rk, torch::ones({}, torch::kFloat32)});
    const auto r = torch::stack({torch::pow(rks, 0), torch::pow(rks, 1)});
    auto h_phi_k = h_phi_1 / hh - 1;
    const auto b1 = h_phi_k * 1 / b_h;
    h_phi_k = h_phi_k / hh - 1.0 / 2.0;
    const auto b2 = h_phi_k * 2 / b_h;
    rhos_c = torch::linalg_solve(r, torch::stack({b1, b2})).to(x.scalar_type());
  }

  const auto x_t_ = sigma_t / sigma_s0 * x - alpha_t * h_phi_1 * m0;
  auto correction = rhos_c[-1] * (x0_now - m0);
  if (order == 2) correction = rhos_c[0] * d1 + correction;
  return (x_t_ - alpha_t * b_h * correction).to(x.scalar_type());
}

torch::Tensor UniPCSampler::step(const torch::Tensor& model_output, int index, const torch::Tensor& x) {
  check_step("unipc", model_output, index, x);
  if (index != next_index_) {
    fail(ErrorKind::InvalidArgument, "unipc step: got index {} but the next step is {} (steps must come in order)",
         index, next_index_);
  }
  // x0 = x - sigma v; the corrector then refines x with it before the next predictor step.
  const auto x0 = x - sigmas_[index] * model_output;
  auto sample = x;
  if (index > 0 && last_sample_.defined()) sample = correct(x0, last_sample_, index, last_order_);

  for (int i = 0; i + 1 < kSolverOrder; ++i) x0_history_[i] = x0_history_[i + 1];
  x0_history_[kSolverOrder - 1] = x0;

  // lower_order_final: the order drops so that the last step is first order.
  const int order = std::min({kSolverOrder, schedule_.steps() - index, lower_order_count_ + 1});
  last_order_ = order;
  last_sample_ = sample;
  auto next = predict(sample, index, order);
  lower_order_count_ = std::min(lower_order_count_ + 1, kSolverOrder);
  ++next_index_;
  return next;
}

}  // namespace blade::sampling
