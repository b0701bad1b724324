using DenseDino.Cli;

return CliApp.Create().Run(args);
