#include "profiler/comm.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#ifdef MOESIM_HAVE_MPI
#include <mpi.h>
#endif

namespace moesim::profiler {
namespace {

// One process, no MPI: collectives are identities, the all-to-all is a local copy.
class SingleRank final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  bool uses_mpi() const override { return false; }
  std::string library_version() const override { return "none (single process)"; }
  Status barrier() override { return {}; }
  Result<double> max_all(double v) override { return v; }
  Result<std::vector<std::string>> all_gather(const std::string& s) override { return std::vector<std::string>{s}; }
  Status broadcast(void*, std::size_t) override { return {}; }
  Status alltoall(const void* send, void* recv, std::size_t bytes) override {
    if (bytes) std::memcpy(recv, send, bytes);
    return {};
  }
  Status alltoallv(const void* send, const std::vector<std::size_t>& sb, const std::vector<std::size_t>& so, void* recv,
                   const std::vector<std::size_t>&, const std::vector<std::size_t>& ro) override {
    if (sb[0]) std::memcpy(static_cast<char*>(recv) + ro[0], static_cast<const char*>(send) + so[0], sb[0]);
    return {};
  }
  Status send(const void*, std::size_t, int dst) override { return Error{"send to rank " + std::to_string(dst) + ": single rank"}; }
  Status recv(void*, std::size_t, int src) override { return Error{"recv from rank " + std::to_string(src) + ": single rank"}; }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }
  void finalize() override {}
};

#ifdef MOESIM_HAVE_MPI
Status mpi_status(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return {};
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  return Error{std::string(what) + ": " + std::string(msg, static_cast<size_t>(len))};
}

Result<std::vector<int>> int_counts(const std::vector<std::size_t>& v, const char* what) {
  std::vector<int> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] > static_cast<std::size_t>(INT_MAX)) {
      return Error{std::string(what) + ": " + std::to_string(v[i]) + " bytes exceed MPI's int count (2 GiB)"};
    }
    out[i] = static_cast<int>(v[i]);
  }
  return out;
}

class MpiComm final : public Communicator {
 public:
  MpiComm() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool uses_mpi() const override { return true; }
  std::string library_version() const override {
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(v, &len);
    std::string s(v, static_cast<size_t>(len));
    const size_t nl = s.find_first_of("\r\n,");
    return nl == std::string::npos ? s : s.substr(0, nl);
  }
  Status barrier() override { return mpi_status(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  Result<double> max_all(double v) override {
    double out = 0;
    MOESIM_RETURN_IF_ERROR(mpi_status(MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce"));
    return out;
  }
  Result<std::vector<std::string>> all_gather(const std::string& s) override {
    int len = static_cast<int>(s.size());
    std::vector<int> lens(size_), offs(size_);
    MOESIM_RETURN_IF_ERROR(mpi_status(MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather"));
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offs[r] = total;
      total += lens[r];
    }
    std::string all(static_cast<size_t>(total), '\0');
    MOESIM_RETURN_IF_ERROR(mpi_status(
        MPI_Allgatherv(s.data(), len, MPI_CHAR, all.data(), lens.data(), offs.data(), MPI_CHAR, MPI_COMM_WORLD),
        "MPI_Allgatherv"));
    std::vector<std::string> out;
    for (int r = 0; r < size_; ++r) out.push_back(all.substr(static_cast<size_t>(offs[r]), static_cast<size_t>(lens[r])));
    return out;
  }
  Status broadcast(void* data, std::size_t bytes) override {
    return mpi_status(MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
  Status alltoall(const void* send, void* recv, std::size_t bytes) override {
    if (bytes > static_cast<std::size_t>(INT_MAX)) return Error{"MPI_Alltoall: more than 2 GiB per peer"};
    return mpi_status(MPI_Alltoall(send, static_cast<int>(bytes), MPI_BYTE, recv, static_cast<int>(bytes), MPI_BYTE,
                                   MPI_COMM_WORLD),
                      "MPI_Alltoall");
  }
  Status alltoallv(const void* send, const std::vector<std::size_t>& sb, const std::vector<std::size_t>& so, void* recv,
                   const std::vector<std::size_t>& rb, const std::vector<std::size_t>& ro) override {
    MOESIM_ASSIGN_OR_RETURN(auto sc, int_counts(sb, "MPI_Alltoallv"));
    MOESIM_ASSIGN_OR_RETURN(auto sd, int_counts(so, "MPI_Alltoallv"));
    MOESIM_ASSIGN_OR_RETURN(auto rc, int_counts(rb, "MPI_Alltoallv"));
    MOESIM_ASSIGN_OR_RETURN(auto rd, int_counts(ro, "MPI_Alltoallv"));
    return mpi_status(MPI_Alltoallv(send, sc.data(), sd.data(), MPI_BYTE, recv, rc.data(), rd.data(), MPI_BYTE, MPI_COMM_WORLD),
                      "MPI_Alltoallv");
  }
  Status send(const void* data, std::size_t bytes, int dst) override {
    if (bytes > static_cast<std::size_t>(INT_MAX)) return Error{"MPI_Send: more than 2 GiB"};
    return mpi_status(MPI_Send(data, static_cast<int>(bytes), MPI_BYTE, dst, 7, MPI_COMM_WORLD), "MPI_Send");
  }
  Status recv(void* data, std::size_t bytes, int src) override {
    if (bytes > static_cast<std::size_t>(INT_MAX)) return Error{"MPI_Recv: more than 2 GiB"};
    return mpi_status(MPI_Recv(data, static_cast<int>(bytes), MPI_BYTE, src, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }
  void finalize() override { MPI_Finalize(); }

 private:
  int rank_ = 0, size_ = 1;
};
#endif

}  // namespace

bool Communicator::launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

Result<std::unique_ptr<Communicator>> Communicator::create(int* argc, char*** argv) {
  if (!launched_by_mpi()) return std::unique_ptr<Communicator>(new SingleRank());
#ifdef MOESIM_HAVE_MPI
  const int rc = MPI_Init(argc, argv);
  if (rc != MPI_SUCCESS) return Error{"MPI_Init failed (code " + std::to_string(rc) + ")"};
  return std::unique_ptr<Communicator>(new MpiComm());
#else
  (void)argc;
  (void)argv;
  return Error{"started by an MPI launcher, but moeprof was built without MPI (MOESIM_MPI=OFF); run it without mpirun"};
#endif
}

}  // namespace moesim::profiler
