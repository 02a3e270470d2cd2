import { MemoryUsersRepository } from "./memory-users-repository.js";
import { describeUsersRepositoryContract } from "./users-repository.contract.js";

describeUsersRepositoryContract("memory", async () => new MemoryUsersRepository());
