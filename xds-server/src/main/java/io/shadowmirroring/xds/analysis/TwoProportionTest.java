package io.shadowmirroring.xds.analysis;

/**
 * The one-sided two-proportion z-test with a pooled proportion: is the shadow's error rate higher than
 * production's by more than chance would make it?
 */
final class TwoProportionTest {
  private TwoProportionTest() {}

  /**
   * @param z the test statistic, 0 when it is undefined (no requests, or no errors and no successes at all)
   * @param critical the z the confidence needs
   */
  record Result(double z, double critical, boolean significant) {}

  static Result increase(long shadowErrors, long shadowRequests, long productionErrors, long productionRequests,
      double confidence) {
    double critical = normalQuantile(confidence);
    if (shadowRequests == 0 || productionRequests == 0) {
      return new Result(0, critical, false);
    }
    double shadowRate = (double) shadowErrors / shadowRequests;
    double productionRate = (double) productionErrors / productionRequests;
    double pooled = (double) (shadowErrors + productionErrors) / (shadowRequests + productionRequests);
    double variance = pooled * (1 - pooled) * (1.0 / shadowRequests + 1.0 / productionRequests);
    if (variance <= 0) {
      return new Result(0, critical, false);
    }
    double z = (shadowRate - productionRate) / Math.sqrt(variance);
    return new Result(z, critical, z > critical);
  }

  /** The standard normal quantile, by bisection on {@link #normalCdf}; accurate to about 1e-7. */
  static double normalQuantile(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("probability must be strictly between 0 and 1, got " + p);
    }
    double low = -40;
    double high = 40;
    for (int i = 0; i < 100; i++) {
      double middle = (low + high) / 2;
      if (normalCdf(middle) < p) {
        low = middle;
      } else {
        high = middle;
      }
    }
    return (low + high) / 2;
  }

  static double normalCdf(double z) {
    return 0.5 * erfc(-z / Math.sqrt(2));
  }

  /** The complementary error function, Chebyshev fit with fractional error below 1.2e-7. */
  static double erfc(double x) {
    double t = 1 / (1 + 0.5 * Math.abs(x));
    double y = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
        + t * 0.17087277)))))))));
    return x >= 0 ? y : 2 - y;
  }
}
