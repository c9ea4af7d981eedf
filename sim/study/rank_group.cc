#include "sim/study/rank_group.h"

#include <cstdlib>

#ifdef MOESIM_WITH_MPI
// C bindings only: the C++ ones (removed in MPI-3) need a library MPI::MPI_C does not link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace moesim::study {
namespace {

constexpr char kCellSep = '\x1f', kRowSep = '\x1e';

[[maybe_unused]] std::string pack(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out += kCellSep;
      out += row[c];
    }
    out += kRowSep;
  }
  return out;
}

[[maybe_unused]] std::vector<std::vector<std::string>> unpack(const char* data, size_t n) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  for (size_t i = 0; i < n; ++i) {
    if (data[i] == kCellSep) {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (data[i] == kRowSep) {
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      cell += data[i];
    }
  }
  return rows;
}

}  // namespace

int launched_world_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* v = std::getenv(var)) {
      const int n = std::atoi(v);
      if (n >= 1) return n;
    }
  }
  return 1;
}

Result<std::unique_ptr<RankGroup>> RankGroup::init() {
  std::unique_ptr<RankGroup> g(new RankGroup());
  const bool under_launcher = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
#ifdef MOESIM_WITH_MPI
  if (under_launcher) {
    MPI_Init(nullptr, nullptr);
    g->mpi_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &g->rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &g->size_);
  }
#else
  (void)under_launcher;
  if (const int launched = launched_world_size(); launched > 1) {
    return Error{"sweep: launched as " + std::to_string(launched) +
                 " processes, but this moesim was built without MPI (configure with -DMOESIM_MPI=ON), so each "
                 "process would run the whole sweep; run it without mpirun"};
  }
#endif
  return g;
}

RankGroup::~RankGroup() {
#ifdef MOESIM_WITH_MPI
  if (mpi_) MPI_Finalize();
#endif
}

Result<std::vector<std::vector<std::vector<std::string>>>> RankGroup::gather_rows(
    const std::vector<std::vector<std::string>>& mine) {
  std::vector<std::vector<std::vector<std::string>>> all;
  if (!mpi_ || size_ == 1) {
    all.push_back(mine);
    return all;
  }
#ifdef MOESIM_WITH_MPI
  const std::string packed = pack(mine);
  if (packed.size() > static_cast<size_t>(1) << 30) return Error{"sweep: one rank's rows exceed 1 GiB; split the sweep"};
  int len = static_cast<int>(packed.size());
  std::vector<int> lens(rank_ == 0 ? size_ : 0), displs(rank_ == 0 ? size_ : 0);
  MPI_Gather(&len, 1, MPI_INT, rank_ == 0 ? lens.data() : nullptr, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string buf;
  if (rank_ == 0) {
    long long total = 0;
    for (int r = 0; r < size_; ++r) {
      displs[r] = static_cast<int>(total);
      total += lens[r];
    }
    if (total > 0x7fffffffLL) return Error{"sweep: the gathered rows exceed 2 GiB; split the sweep"};
    buf.resize(static_cast<size_t>(total));
  }
  MPI_Gatherv(packed.data(), len, MPI_CHAR, rank_ == 0 ? buf.data() : nullptr, rank_ == 0 ? lens.data() : nullptr,
              rank_ == 0 ? displs.data() : nullptr, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (rank_ == 0) {
    for (int r = 0; r < size_; ++r) all.push_back(unpack(buf.data() + displs[r], static_cast<size_t>(lens[r])));
  }
#endif
  return all;
}

bool RankGroup::any(bool flag) {
#ifdef MOESIM_WITH_MPI
  if (mpi_ && size_ > 1) {
    int in = flag ? 1 : 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out != 0;
  }
#endif
  return flag;
}

}  // namespace moesim::study
