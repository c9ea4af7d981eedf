// viz_synthetic_fixture: writes a SYNTHETIC SimResult (tests/viz/synthetic_result.h) to a file,
// for the frame-time benchmark and the README screenshots while no simulator output is at hand.
//   viz_synthetic_fixture OUT.pb [--nodes N] [--gpus-per-node G] [--experts E] [--layers L]
//                         [--steps S] [--timeline-steps T] [--no-traffic]
#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/viz/synthetic_result.h"
#include "traces/proto_io.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: viz_synthetic_fixture OUT.pb [--nodes N] [--gpus-per-node G] [--experts E] "
                 "[--layers L] [--steps S] [--timeline-steps T] [--no-traffic]\n";
    return 2;
  }
  moesim::viz::testing::SyntheticShape shape;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> int {
      if (i + 1 >= argc) {
        std::cerr << "viz_synthetic_fixture: " << a << " needs a value\n";
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (a == "--nodes") shape.nodes = next();
    else if (a == "--gpus-per-node") shape.gpus_per_node = next();
    else if (a == "--experts") shape.experts = next();
    else if (a == "--layers") shape.layers = next();
    else if (a == "--steps") shape.steps = next();
    else if (a == "--timeline-steps") shape.timeline_steps = next();
    else if (a == "--no-traffic") shape.traffic = false;
    else {
      std::cerr << "viz_synthetic_fixture: unknown flag " << a << "\n";
      return 2;
    }
  }
  const auto result = moesim::viz::testing::make_synthetic_result(shape);
  if (auto st = moesim::save_proto(argv[1], result); !st.ok()) {
    std::cerr << "viz_synthetic_fixture: " << st.message() << "\n";
    return 2;
  }
  std::cerr << "wrote " << argv[1] << ": " << result.timeline_size() << " timeline events, "
            << result.layers_size() << " layer results\n";
  return 0;
}
