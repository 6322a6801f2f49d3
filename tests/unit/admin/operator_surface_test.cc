// Which requests the app hands to the operator surface rather than to the Kinesis front end.

#include "sluice/admin/operator_surface.h"

#include <gtest/gtest.h>

namespace sluice::admin {
namespace {

TEST(OperatorSurfaceTest, ServesHealthMetricsAndTheOperatorRoutes) {
  EXPECT_TRUE(OperatorSurface::Serves("/health"));
  EXPECT_TRUE(OperatorSurface::Serves("/metrics"));
  EXPECT_TRUE(OperatorSurface::Serves("/metrics?x=1"));
  EXPECT_TRUE(OperatorSurface::Serves("/_sluice/nodes"));
  EXPECT_TRUE(OperatorSurface::Serves("/_sluice/nodes/az-a/fail?latency_ms=5"));
  EXPECT_TRUE(OperatorSurface::Serves("/_sluice/unknown"));  // a 404 from the surface
}

TEST(OperatorSurfaceTest, LeavesEverythingElseToTheApi) {
  EXPECT_FALSE(OperatorSurface::Serves("/"));
  EXPECT_FALSE(OperatorSurface::Serves("/?health"));
  EXPECT_FALSE(OperatorSurface::Serves("/healthz"));
  EXPECT_FALSE(OperatorSurface::Serves("/metrics/x"));
  EXPECT_FALSE(OperatorSurface::Serves("/_sluice"));
  EXPECT_FALSE(OperatorSurface::Serves("/x/_sluice/nodes"));
}

}  // namespace
}  // namespace sluice::admin
