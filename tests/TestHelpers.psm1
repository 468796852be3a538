# Shared by the Pester suite: the module under test and small facts about real processes.

$script:ModuleManifest = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'out', 'MemMap', 'MemMap.psd1'

function Import-MemMapUnderTest {
    <#
    .SYNOPSIS
        Imports the built module from out/MemMap, the folder that ships.
    #>
    [CmdletBinding()]
    param()
    if (-not (Test-Path -LiteralPath $script:ModuleManifest)) {
        throw "The module is not built: run 'dotnet build' (or ./build.ps1) first."
    }
    Import-Module -Name $script:ModuleManifest -Force -Global
}

function New-PatternFile {
    <#
    .SYNOPSIS
        Writes a file of -Length bytes where byte i is i % 251, so every page differs; returns the bytes.
    .PARAMETER Path
        The file to write (replaced if it exists).
    .PARAMETER Length
        How many bytes to write.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([byte[]])]
    param([string] $Path, [int] $Length)
    $bytes = [byte[]]::new($Length)
    for ($i = 0; $i -lt $Length; $i++) { $bytes[$i] = $i % 251 }
    if ($PSCmdlet.ShouldProcess($Path, "Write $Length pattern bytes")) {
        [IO.File]::WriteAllBytes($Path, $bytes)
    }
    $bytes
}

function Get-MapsPermission {
    <#
    .SYNOPSIS
        The four permission letters /proc/self/maps shows for the page at -Offset of -Mapping.
    .PARAMETER Mapping
        A MemMap mapping of this process.
    .PARAMETER Offset
        The offset of the page within the mapping.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param($Mapping, [long] $Offset = 0)
    $address = [uint64]$Mapping.Address.ToInt64() + [uint64]$Offset
    foreach ($line in Get-Content -LiteralPath "/proc/$PID/maps") {
        $range, $permissions, $null = $line -split ' ', 3
        $start, $end = $range -split '-' | ForEach-Object -Process { [Convert]::ToUInt64($_, 16) }
        if ($address -ge $start -and $address -lt $end) { return $permissions }
    }
}

function Invoke-ChildPwsh {
    <#
    .SYNOPSIS
        Runs a script block in a second, real pwsh process that imports MemMap; returns its output.
    .PARAMETER ScriptBlock
        What the child runs.
    .PARAMETER ArgumentList
        The script block's arguments.
    .PARAMETER TimeoutSeconds
        Kill the child after this many seconds (timeout(1)), so a test of something that must not hang cannot hang the run; 0: no limit.
    #>
    [CmdletBinding()]
    param([scriptblock] $ScriptBlock, [object[]] $ArgumentList = @(), [int] $TimeoutSeconds = 0)
    $child = {
        param($Manifest, $Block, $Arguments)
        Import-Module -Name $Manifest
        & ([scriptblock]::Create($Block)) @Arguments
    }
    $pwsh = Get-PwshCommand
    if ($TimeoutSeconds -gt 0) { $pwsh = @('timeout', '--kill-after=5', $TimeoutSeconds) + $pwsh }
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $child -args $script:ModuleManifest, $ScriptBlock.ToString(), $ArgumentList
}

function Get-PwshCommand {
    <#
    .SYNOPSIS
        The command line that starts this PowerShell as a child: the executable, then its arguments.
    .DESCRIPTION
        $PSHOME/pwsh where it is executable: that is PowerShell itself, so the child's process id is
        PowerShell's. The .NET tool's own 'pwsh' is a launcher that starts PowerShell as its child, so a
        test that signals it would miss PowerShell; where $PSHOME has no executable pwsh, 'dotnet
        pwsh.dll' runs it in one process too.
    .PARAMETER PowerShellHome
        The PowerShell installation to start (default $PSHOME).
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param([string] $PowerShellHome = $PSHOME)
    $apphost = Join-Path -Path $PowerShellHome -ChildPath 'pwsh'
    & test -x $apphost
    [string[]] $command = if ($LASTEXITCODE -eq 0) { $apphost } else { 'dotnet', (Join-Path -Path $PowerShellHome -ChildPath 'pwsh.dll') }
    Write-Output -InputObject $command -NoEnumerate
}

function Invoke-ChildPwshAsUser {
    <#
    .SYNOPSIS
        Runs a script block in a pwsh process as another user (root only, through setpriv), importing
        a copy of the module staged in a world-readable folder: the repository may sit where that user
        cannot enter. Returns the child's output, errors included, as strings.
    .PARAMETER User
        The user to run as, such as nobody.
    .PARAMETER Group
        The group to run as, such as nogroup.
    .PARAMETER ScriptBlock
        What to run; it sees the module imported.
    .PARAMETER ArgumentList
        Arguments for the script block.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string] $User, [string] $Group, [scriptblock] $ScriptBlock, [object[]] $ArgumentList = @())
    $stage = Join-Path ([IO.Path]::GetTempPath()) "memmap-stage-$(New-Guid)"
    New-Item -ItemType Directory $stage | Out-Null
    try {
        Copy-Item (Split-Path $script:ModuleManifest) $stage -Recurse
        # PowerShell itself may live where that user cannot enter (the .NET tool under a mode-0700
        # home): then the child runs a copy of it, staged beside the module.
        $powerShellHome = $PSHOME
        & setpriv "--reuid=$User" "--regid=$Group" --clear-groups test -r (Join-Path $PSHOME 'pwsh.dll')
        if ($LASTEXITCODE -ne 0) {
            $powerShellHome = Join-Path $stage 'pwsh'
            Copy-Item $PSHOME $powerShellHome -Recurse
        }
        & chmod -R a+rX $stage
        $pwsh = Get-PwshCommand -PowerShellHome $powerShellHome
        $child = {
            param($Manifest, $Block, $Arguments)
            Import-Module $Manifest
            & ([scriptblock]::Create($Block)) @Arguments
        }
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes(
            "& {$child} '$stage/MemMap/MemMap.psd1' '$($ScriptBlock.ToString() -replace "'", "''")' @($(($ArgumentList | ForEach-Object { "'$($_ -replace "'", "''")'" }) -join ','))"))
        & setpriv "--reuid=$User" "--regid=$Group" --clear-groups env HOME=/tmp @pwsh -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1 | ForEach-Object { "$_" }
    }
    finally { Remove-Item $stage -Recurse -Force }
}

function Add-HugePageReservation {
    <#
    .SYNOPSIS
        Reserves -Count more huge pages (root only); returns how many the kernel added, or why none, as a string to skip with.
    .DESCRIPTION
        The pool is raised (and lowered by Remove-HugePageReservation) by this count, not set to a
        number, so that other test runs on the machine that reserve at the same time keep theirs.
    .PARAMETER Count
        How many huge pages to add.
    #>
    [CmdletBinding()]
    [OutputType([string], [long])]
    param([int] $Count = 8)
    $knob = '/proc/sys/vm/nr_hugepages'
    if (-not (Select-String -Path /proc/meminfo -Pattern '^Hugepagesize:' -Quiet)) {
        return 'This kernel has no huge pages (no Hugepagesize in /proc/meminfo): build it with CONFIG_HUGETLBFS to test -HugePages.'
    }
    if ((id -u) -ne '0') {
        return "Reserving huge pages needs root (the tests write $knob and put the old value back): run the tests as root to test -HugePages."
    }
    $before = [long](Get-Content $knob)
    [IO.File]::WriteAllText($knob, "$($before + $Count)")
    $added = [Math]::Clamp([long](Get-Content $knob) - $before, 0, $Count)
    if ($added -eq 0) {
        return "The kernel did not reserve a huge page (writing $knob had no effect): free memory (it may be too fragmented), or reserve at boot (hugepages=8 on the kernel command line)."
    }
    $added
}

function Remove-HugePageReservation {
    <#
    .SYNOPSIS
        Gives back -Count huge pages that Add-HugePageReservation reserved.
    .PARAMETER Count
        How many it added.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param([long] $Count)
    $knob = '/proc/sys/vm/nr_hugepages'
    if ($Count -gt 0 -and $PSCmdlet.ShouldProcess($knob, "Give back $Count huge pages")) { [IO.File]::WriteAllText($knob, "$([Math]::Max(0, [long](Get-Content $knob) - $Count))") }
}

Export-ModuleMember -Function Import-MemMapUnderTest, New-PatternFile, Get-MapsPermission, Get-PwshCommand, Invoke-ChildPwsh, Invoke-ChildPwshAsUser, Add-HugePageReservation, Remove-HugePageReservation
